using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>
/// A mini-batch update rule over the network's single parameter vector (all weights and biases, contiguous). Its
/// state (step count and moments) can be read out and restored, so that a continued fit goes on with the same moments.
/// </summary>
/// <remarks>
/// A step reads the data gradient and adds the L2 term λ·W to it as it goes, segment by segment (weights penalised, biases
/// not), so the gradient only ever holds the data part; on sparse input the first layer's part is not even held: the step
/// reads the rows a batch touched from its accumulators (<see cref="SparseRowGradient"/>). Every parameter is updated
/// every step, whether its data gradient is zero or not, which keeps the sparse and dense paths one computation (see the
/// README's MLP section for what that costs).
/// </remarks>
internal abstract class ParameterOptimizer
{
    public static ParameterOptimizer Create(MlpOptions options, int parameterCount) => options.Optimizer switch
    {
        MlpOptimizer.Sgd => new SgdOptimizer(options.LearningRate),
        MlpOptimizer.Momentum => new MomentumOptimizer(options.LearningRate, (float)options.Momentum, options.Nesterov, parameterCount),
        MlpOptimizer.Adam => new AdamOptimizer(options.LearningRate, options.Beta1, options.Beta2, (float)options.Epsilon, parameterCount),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, $"{options.Optimizer} is not a mini-batch optimizer."),
    };

    protected ParameterOptimizer(double learningRate) => LearningRate = learningRate;

    /// <summary>The step size η the next steps use (the schedule sets it before every epoch).</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    public long Steps { get; protected set; }

    /// <summary>Adam's m or momentum's velocity (the live array); null when the rule keeps none.</summary>
    public virtual float[]? FirstMoments => null;

    /// <summary>Adam's v (the live array); null when the rule keeps none.</summary>
    public virtual float[]? SecondMoments => null;

    /// <summary>Takes over the state of an earlier fit (same rule, same parameter count: checked by the caller).</summary>
    public void Restore(long steps, float[]? firstMoments, float[]? secondMoments)
    {
        Steps = steps;
        firstMoments?.CopyTo(FirstMoments!, 0);
        secondMoments?.CopyTo(SecondMoments!, 0);
    }

    /// <summary>
    /// One step: moves <paramref name="parameters"/> against <paramref name="gradient"/> + λ·W, with λ =
    /// <paramref name="lambda"/> on the <see cref="ParameterSegment.Penalized"/> segments and 0 on the others. The segments
    /// cover the parameters in order. The penalised gradient g + W·λ is rounded as a separate multiply and add.
    /// </summary>
    /// <returns>‖W‖² of the penalised segments after the step (what the next batch's L2 term sees), summed as
    /// <see cref="MlpNetwork.SquaredWeightNorm"/> sums it; 0 when λ = 0.</returns>
    public double Step(Span<float> parameters, ReadOnlySpan<float> gradient, ReadOnlySpan<ParameterSegment> segments, float lambda)
        => Step(parameters, gradient, segments, lambda, default);

    /// <summary>
    /// One step whose first segment (the first layer's weights on sparse input, rows × <see cref="SparseRowGradient.Width"/>)
    /// takes its gradient from <paramref name="firstSegment"/>'s touched rows, zero in every other row; <paramref name="gradient"/>
    /// then holds the parameters after that segment. The first segment is stepped in chunks of 8 rows (a multiple of 8
    /// values, so the sum of squares streams as over the whole segment), each reading the rows' summed gradient or a zero
    /// buffer: the same values as stepping over a dense gradient with those rows, without one.
    /// </summary>
    public double Step(Span<float> parameters, ReadOnlySpan<float> gradient, ReadOnlySpan<ParameterSegment> segments, float lambda,
        SparseRowGradient firstSegment)
    {
        Steps++;
        BeginStep();
        double squaredNorm = 0;
        int skipped = firstSegment.IsEmpty ? 0 : segments[0].Length;
        for (int k = 0; k < segments.Length; k++)
        {
            var segment = segments[k];
            float segmentLambda = segment.Penalized ? lambda : 0f;
            var values = parameters.Slice(segment.Start, segment.Length);
            var norm = new SquareSum();
            if (k == 0 && !firstSegment.IsEmpty) UpdateRows(values, segment.Start, firstSegment, segmentLambda, ref norm);
            else Update(values, gradient.Slice(segment.Start - skipped, segment.Length), segment.Start, segmentLambda, ref norm);
            if (segmentLambda != 0) squaredNorm += norm.Total;
        }
        return squaredNorm;
    }

    /// <summary>Rows of the first segment a chunk of its step covers: 8 rows are a multiple of 8 values at any width.</summary>
    private const int FirstSegmentChunkRows = 8;

    private float[] _rows = [], _zeros = [];

    private void UpdateRows(Span<float> weights, int start, SparseRowGradient gradient, float lambda, ref SquareSum norm)
    {
        int width = gradient.Width, chunk = FirstSegmentChunkRows * width, rows = weights.Length / width;
        if (_rows.Length < chunk)
        {
            _rows = new float[chunk];
            _zeros = new float[chunk];
        }
        for (int r = 0; r < rows; r += FirstSegmentChunkRows)
        {
            int count = Math.Min(FirstSegmentChunkRows, rows - r);
            var g = gradient.Fill(r, count, _rows) ? _rows.AsSpan(0, count * width) : _zeros.AsSpan(0, count * width);
            Update(weights.Slice(r * width, count * width), g, start + r * width, lambda, ref norm);
        }
    }

    /// <summary>Per-step set-up (e.g. Adam's bias-corrected rate), after <see cref="Steps"/> has counted the step.</summary>
    protected virtual void BeginStep()
    {
    }

    /// <summary>
    /// Updates a run of parameters, whose first is number <paramref name="start"/> of the vector (for the moments); when
    /// <paramref name="lambda"/> ≠ 0, adds the updated values' squares to <paramref name="norm"/> (8 at a time from the run's
    /// start, then the rest).
    /// </summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradient, int start, float lambda, ref SquareSum norm);
}

/// <summary>
/// The first layer's weight gradient on sparse input as one or two accumulators of touched rows (a batch's halves, added in
/// order), zero in every other row: what <see cref="ParameterOptimizer.Step(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{ParameterSegment}, float, SparseRowGradient)"/>
/// reads instead of a rows × width gradient.
/// </summary>
internal readonly struct SparseRowGradient(SparseRowAccumulator first, SparseRowAccumulator? second = null)
{
    public bool IsEmpty => first is null;
    public int Width => first.Width;

    /// <summary>
    /// Writes rows [<paramref name="row"/>, <paramref name="row"/> + <paramref name="count"/>)'s gradient into
    /// <paramref name="target"/> (0 + first + second, element by element, as the dense halves' sum) and returns true, or
    /// returns false without writing when no accumulator touches any of them.
    /// </summary>
    public bool Fill(int row, int count, Span<float> target)
    {
        bool any = false;
        for (int r = row; r < row + count && !any; r++)
            any = first.SlotOf(r) >= 0 || (second is not null && second.SlotOf(r) >= 0);
        if (!any) return false;
        int width = first.Width;
        target = target.Slice(0, count * width);
        target.Clear();
        AddRows(first, row, count, width, target);
        if (second is not null) AddRows(second, row, count, width, target);
        return true;
    }

    private static void AddRows(SparseRowAccumulator accumulator, int row, int count, int width, Span<float> target)
    {
        for (int r = 0; r < count; r++)
        {
            int slot = accumulator.SlotOf(row + r);
            if (slot < 0) continue;
            var destination = target.Slice(r * width, width);
            System.Numerics.Tensors.TensorPrimitives.Add(destination, accumulator.Slot(slot), destination);
        }
    }
}
