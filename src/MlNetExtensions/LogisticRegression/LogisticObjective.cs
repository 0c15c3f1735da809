using MathNet.Numerics.LinearAlgebra;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.LogisticRegression;

/// <summary>
/// The objective f(θ, b) = (Σᵢ wᵢ·BCEᵢ)/(Σᵢ wᵢ) + (λ/2)‖θ‖² over rows held densely in memory, with its gradient and
/// Hessian. Parameters are [θ₀ … θ_{d−1}, b] (bias last, unpenalised).
/// </summary>
/// <remarks>
/// The rows are cut into a fixed number of contiguous partitions that depends only on n (never on the thread count),
/// each partition sums into its own accumulator, and the partials are added in partition order: the result is the
/// same to the bit on one thread or many, while <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>
/// spreads the partitions over the cores when n is large enough to pay for it.
/// </remarks>
internal sealed class LogisticObjective
{
    /// <summary>Rows per partition at least (smaller partitions do not pay for the scheduling).</summary>
    private const int MinPartitionRows = 4096;

    /// <summary>Memory all Hessian partials together may take.</summary>
    private const long HessianPartialBudgetBytes = 64L << 20;

    /// <summary>At most this many partitions: enough to balance two to eight cores, few enough to keep Hessian partials small.</summary>
    private const int MaxPartitions = 16;

    private readonly float[] _features;
    private readonly float[] _labels;
    private readonly float[]? _weights;
    private readonly int _partitions;
    private readonly ParallelOptions _parallel;
    private readonly double[][] _gradientPartials;
    private readonly LogisticPassResult[] _passPartials;

    public LogisticObjective(float[] features, float[] labels, float[]? weights, int count, int featureCount,
        double weightSum, double l2Regularization, int threads)
    {
        _features = features;
        _labels = labels;
        _weights = weights;
        Count = count;
        FeatureCount = featureCount;
        WeightSum = weightSum;
        L2 = l2Regularization;
        _partitions = Math.Clamp(count / MinPartitionRows, 1, MaxPartitions);
        Threads = _partitions == 1 ? 1 : Math.Max(1, threads);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        _gradientPartials = new double[_partitions][];
        for (int p = 0; p < _partitions; p++) _gradientPartials[p] = new double[featureCount + 1];
        _passPartials = new LogisticPassResult[_partitions];
    }

    public int Count { get; }
    public int FeatureCount { get; }
    public double WeightSum { get; }
    public double L2 { get; }
    public int Threads { get; }

    /// <summary>Number of parameters: the weights and the bias.</summary>
    public int Dimension => FeatureCount + 1;

    /// <summary>Σw·BCE of the last evaluation (unnormalised, unpenalised): half the deviance.</summary>
    public double LastLossSum { get; private set; }

    /// <summary>The smallest (2y − 1)·score of the last evaluation; &gt; 0 certifies that the data is separable.</summary>
    public double LastMinMargin { get; private set; }

    /// <summary>The largest |score| of the last evaluation.</summary>
    public double LastMaxAbsScore { get; private set; }

    /// <summary>Objective value at <paramref name="parameters"/>; its gradient goes to <paramref name="gradient"/>.</summary>
    public double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient)
        => EvaluateRows(parameters, gradient, 0, Count, WeightSum);

    /// <summary>
    /// The same objective restricted to rows [start, start + rows) (normalised by their weight sum): the mini-batch estimate.
    /// </summary>
    public double EvaluateRows(ReadOnlySpan<double> parameters, Span<double> gradient, int start, int rows, double weightSum)
    {
        int d = FeatureCount;
        var theta = parameters.ToArray();
        int partitions = rows == Count ? _partitions : Math.Clamp(rows / MinPartitionRows, 1, MaxPartitions);
        void Partition(int p)
        {
            var (from, to) = Range(start, rows, partitions, p);
            var g = _gradientPartials[p];
            Array.Clear(g);
            _passPartials[p] = LogisticKernels.LossAndGradient(
                _features.AsSpan(from * d, (to - from) * d), _labels.AsSpan(from, to - from),
                _weights is null ? ReadOnlySpan<float>.Empty : _weights.AsSpan(from, to - from), d, theta, g);
        }
        if (partitions == 1 || Threads == 1)
            for (int p = 0; p < partitions; p++) Partition(p);
        else
            Parallel.For(0, partitions, _parallel, Partition);

        gradient.Clear();
        double loss = 0, minMargin = double.PositiveInfinity, maxAbsScore = 0;
        for (int p = 0; p < partitions; p++)
        {
            loss += _passPartials[p].Loss;
            minMargin = Math.Min(minMargin, _passPartials[p].MinMargin);
            maxAbsScore = Math.Max(maxAbsScore, _passPartials[p].MaxAbsScore);
            var g = _gradientPartials[p];
            for (int k = 0; k <= d; k++) gradient[k] += g[k];
        }
        LastLossSum = loss;
        LastMinMargin = minMargin;
        LastMaxAbsScore = maxAbsScore;
        double scale = 1 / weightSum, penalty = 0;
        for (int k = 0; k <= d; k++) gradient[k] *= scale;
        for (int k = 0; k < d; k++)
        {
            gradient[k] += L2 * parameters[k];
            penalty += parameters[k] * parameters[k];
        }
        return loss * scale + 0.5 * L2 * penalty;
    }

    /// <summary>
    /// The Hessian of the unnormalised penalised objective, Σw·p(1−p)·x̃x̃ᵀ + λ·Σw·diag(1, …, 1, 0), as a dense
    /// (d + 1)² matrix; divide by <see cref="WeightSum"/> for the Hessian of <see cref="Evaluate"/>.
    /// </summary>
    public Matrix<double> Hessian(ReadOnlySpan<double> parameters)
    {
        int d = FeatureCount;
        int stride = SyrkKernel.StrideFor(d + 1);
        var theta = parameters.ToArray();
        // Each partition holds a stride² partial: fewer partitions for wide data keep them within a memory budget
        // (still a function of n and d only, so the result stays independent of the thread count).
        long partialBytes = (long)stride * stride * sizeof(double);
        int partitions = (int)Math.Clamp(HessianPartialBudgetBytes / partialBytes, 1, _partitions);
        var partials = new double[partitions][];
        void Partition(int p)
        {
            var (from, to) = Range(0, Count, partitions, p);
            var sums = new double[stride * stride];
            var scratch = new double[LogisticKernels.HessianBlockRows * stride];
            LogisticKernels.HessianUpper(_features.AsSpan(from * d, (to - from) * d),
                _weights is null ? ReadOnlySpan<float>.Empty : _weights.AsSpan(from, to - from), to - from, d, theta,
                stride, scratch, sums);
            partials[p] = sums;
        }
        if (partitions == 1 || Threads == 1)
            for (int p = 0; p < partitions; p++) Partition(p);
        else
            Parallel.For(0, partitions, _parallel, Partition);

        var h = Matrix<double>.Build.Dense(d + 1, d + 1);
        for (int i = 0; i <= d; i++)
            for (int j = i; j <= d; j++)
            {
                double v = 0;
                for (int p = 0; p < partitions; p++) v += partials[p][i * stride + j];
                h[i, j] = v;
                h[j, i] = v;
            }
        for (int k = 0; k < d; k++) h[k, k] += L2 * WeightSum;
        return h;
    }

    /// <summary>
    /// Up to this many features the curvature bound comes from one Hessian pass (O(n·d²), on the fast SYRK kernel) and an
    /// eigendecomposition; beyond it from power iteration (about 30 passes of O(n·d)), which is then cheaper.
    /// </summary>
    private const int ExactCurvatureLimit = 256;

    /// <summary>
    /// An upper bound L on the curvature of <see cref="Evaluate"/>: ¼·λmax of the weighted Gram matrix of [x, 1] (the
    /// logistic Hessian never exceeds it), plus λ: exactly (one Hessian pass and an eigendecomposition) for moderate d,
    /// by power iteration on the data beyond. 1/L is a step that always descends.
    /// </summary>
    public double CurvatureBound(int iterations = 30)
    {
        int d = FeatureCount;
        if (d <= ExactCurvatureLimit)
        {
            // At θ = 0, b = 0 every p(1−p) is ¼, its maximum: the Hessian there, ¼G + λ·diag(1, …, 1, 0), bounds the
            // Hessian everywhere, and one pass plus an eigendecomposition gives its largest eigenvalue exactly.
            var bound = Hessian(new double[d + 1]) / WeightSum;
            return bound.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Real().Maximum() * (1 + 1e-9);
        }
        var v = new double[d + 1];
        Array.Fill(v, 1 / Math.Sqrt(d + 1));
        var product = new double[d + 1];
        double eigenvalue = 0;
        var partials = new double[_partitions][];
        for (int it = 0; it < iterations; it++)
        {
            void Partition(int p)
            {
                var (from, to) = Range(0, Count, _partitions, p);
                var acc = new double[d + 1];
                LogisticKernels.GramProduct(_features.AsSpan(from * d, (to - from) * d),
                    _weights is null ? ReadOnlySpan<float>.Empty : _weights.AsSpan(from, to - from), to - from, d, v, acc);
                partials[p] = acc;
            }
            if (_partitions == 1 || Threads == 1)
                for (int p = 0; p < _partitions; p++) Partition(p);
            else
                Parallel.For(0, _partitions, _parallel, Partition);
            Array.Clear(product);
            for (int p = 0; p < _partitions; p++)
                for (int k = 0; k <= d; k++) product[k] += partials[p][k];
            double norm = Math.Sqrt(product.Sum(x => x * x));
            if (!(norm > 0)) break;
            double next = norm / WeightSum;
            for (int k = 0; k <= d; k++) v[k] = product[k] / norm;
            bool settled = Math.Abs(next - eigenvalue) <= 1e-3 * next;
            eigenvalue = next;
            if (settled) break;
        }
        // Power iteration approaches λmax from below: a 5% margin keeps 1/L a descent step.
        return 0.25 * eigenvalue * 1.05 + L2;
    }

    private static (int From, int To) Range(int start, int rows, int partitions, int p)
    {
        long from = start + (long)rows * p / partitions;
        long to = start + (long)rows * (p + 1) / partitions;
        return ((int)from, (int)to);
    }
}
