using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>
/// A mini-batch update rule over the network's single parameter vector (all weights and biases, contiguous). Its
/// state (step count and moments) can be read out and restored, so that a continued fit goes on with the same moments.
/// </summary>
/// <remarks>
/// A step reads the data gradient and adds the L2 term λ·W to it as it goes, segment by segment (weights penalised, biases
/// not): the gradient vector itself only ever holds the data part, so on sparse input the first layer's untouched rows stay
/// zero between batches and need no clearing. Every parameter is updated every step, whether its data gradient is zero or
/// not, which keeps the sparse and dense paths one computation (see the README's MLP section for what that costs).
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
    {
        Steps++;
        BeginStep();
        double squaredNorm = 0;
        foreach (var segment in segments)
            squaredNorm += Update(parameters.Slice(segment.Start, segment.Length), gradient.Slice(segment.Start, segment.Length), segment.Start,
                segment.Penalized ? lambda : 0f);
        return squaredNorm;
    }

    /// <summary>Per-step set-up (e.g. Adam's bias-corrected rate), after <see cref="Steps"/> has counted the step.</summary>
    protected virtual void BeginStep()
    {
    }

    /// <summary>
    /// Updates one segment, whose first parameter is number <paramref name="start"/> of the vector (for the moments); when
    /// <paramref name="lambda"/> ≠ 0, returns the updated values' sum of squares in <see cref="SquareSum"/>'s order (8 at a
    /// time from the segment's start, then the rest), else 0.
    /// </summary>
    protected abstract double Update(Span<float> parameters, ReadOnlySpan<float> gradient, int start, float lambda);
}
