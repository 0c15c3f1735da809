using System.Runtime.CompilerServices;
using MathNet.Numerics.LinearAlgebra;
using MlNetExtensions.Data;
using MlNetExtensions.Numerics.Optimization;

namespace MlNetExtensions.Numerics.Glm;

/// <summary>
/// The objective f(θ, b) = (Σᵢ wᵢ·ℓ(yᵢ, θᵀxᵢ + b))/(Σᵢ wᵢ) + (λ/2)‖θ‖² of a generalised linear model over rows held in
/// memory (dense, through <see cref="GlmKernels"/>, or sparse, through <see cref="SparseGlmKernels"/>), with its gradient and
/// Hessian. Parameters are [θ₀ … θ_{d−1}, b] (bias last, unpenalised).
/// </summary>
/// <remarks>
/// The rows are cut into <see cref="RowPartitions"/>, each partition sums into its own accumulator, and the partials are
/// added in partition order: the result is the same to the bit on one thread or many.
/// </remarks>
internal sealed class GlmObjective<TLoss> : IGlmObjective where TLoss : IGlmLoss
{
    /// <summary>Memory all Hessian partials together may take.</summary>
    private const long HessianPartialBudgetBytes = 64L << 20;

    private readonly FeatureRows _rows;
    private readonly float[] _labels;
    private readonly float[]? _weights;
    private readonly RowPartitions _partitioning;
    private readonly int _partitions;
    private readonly double[][] _gradientPartials;
    private readonly GlmPassResult[] _passPartials;
    private readonly double[] _lastParameters;
    private readonly double[] _theta;
    private bool _lastOverAllRows;

    /// <param name="rows">The feature rows (dense or sparse).</param>
    /// <param name="labels">One label per row.</param>
    /// <param name="weights">One weight per row, or null for all ones.</param>
    /// <param name="weightSum">Σw.</param>
    /// <param name="l2Regularization">λ.</param>
    /// <param name="threads">The most threads a pass may use.</param>
    public GlmObjective(FeatureRows rows, float[] labels, float[]? weights, double weightSum, double l2Regularization, int threads)
    {
        _rows = rows;
        _labels = labels;
        _weights = weights;
        int count = rows.Count, featureCount = rows.FeatureCount;
        Count = count;
        FeatureCount = featureCount;
        WeightSum = weightSum;
        L2 = l2Regularization;
        _partitioning = new RowPartitions(rows, threads);
        _partitions = _partitioning.Count;
        Threads = _partitioning.Threads;
        _gradientPartials = new double[_partitions][];
        for (int p = 0; p < _partitions; p++) _gradientPartials[p] = new double[featureCount + 1];
        _passPartials = new GlmPassResult[_partitions];
        _lastParameters = new double[featureCount + 1];
        _theta = new double[featureCount + 1];
    }

    public int Count { get; }
    public int FeatureCount { get; }
    public double WeightSum { get; }
    public double L2 { get; }
    public int Threads { get; }
    public int Dimension => FeatureCount + 1;
    public double LastLossSum { get; private set; }
    public double LastMinMargin { get; private set; }
    public double LastMaxAbsScore { get; private set; }

    /// <summary>
    /// Whether the last evaluation was over all rows at exactly <paramref name="parameters"/>, so that
    /// <see cref="LastLossSum"/>, <see cref="LastMinMargin"/> and <see cref="LastMaxAbsScore"/> describe them.
    /// </summary>
    public bool LastEvaluatedAt(ReadOnlySpan<double> parameters) => _lastOverAllRows && parameters.SequenceEqual(_lastParameters);

    public double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient)
        => EvaluateRows(parameters, gradient, 0, Count, WeightSum);

    // Optimised from the first call: a fit makes only tens of passes, most of them before tiered compilation would promote it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double EvaluateRows(ReadOnlySpan<double> parameters, Span<double> gradient, int start, int rows, double weightSum)
    {
        int d = FeatureCount;
        // The partitions' closure cannot hold a span: the parameters go to a buffer of the objective's own (a fresh array
        // an evaluation would be a large-object allocation at wide d).
        var theta = _theta;
        parameters.CopyTo(theta);
        int partitions = rows == Count ? _partitions : Math.Min(RowPartitions.CountFor(rows), _partitions);
        void Partition(int p)
        {
            var (from, to) = Range(start, rows, partitions, p);
            var g = _gradientPartials[p];
            Array.Clear(g);
            _passPartials[p] = _rows switch
            {
                DenseRows dense => GlmKernels.LossAndGradient<TLoss>(dense.Rows(from, to), _labels.AsSpan(from, to - from),
                    WeightsOf(from, to), d, theta, g),
                _ => SparseGlmKernels.LossAndGradient<TLoss>((SparseRows)_rows, from, to, _labels, _weights, theta, g),
            };
        }
        Run(partitions, Partition);

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
        _lastOverAllRows = rows == Count;
        if (_lastOverAllRows) parameters.CopyTo(_lastParameters);
        return Penalise(loss, gradient, parameters, weightSum, L2);
    }

    /// <summary>
    /// Turns a pass's sums (Σw·ℓ and its gradient Σw·ℓ'·x̃, in <paramref name="gradient"/>) into the objective
    /// (Σw·ℓ)/<paramref name="weightSum"/> + (λ/2)‖θ‖² and its gradient, in place: the one place that defines f from the sums,
    /// whether they come from this process's partitions or from shards on other machines.
    /// </summary>
    internal static double Penalise(double lossSum, Span<double> gradient, ReadOnlySpan<double> parameters, double weightSum, double l2)
    {
        int d = parameters.Length - 1;
        double scale = 1 / weightSum, penalty = 0;
        for (int k = 0; k <= d; k++) gradient[k] *= scale;
        for (int k = 0; k < d; k++)
        {
            gradient[k] += l2 * parameters[k];
            penalty += parameters[k] * parameters[k];
        }
        return lossSum * scale + 0.5 * l2 * penalty;
    }

    /// <summary>Adds the penalty's curvature λ·Σw to the weights' diagonal of an unnormalised Hessian (bias last, unpenalised).</summary>
    internal static void AddPenaltyCurvature(Matrix<double> hessian, double l2, double weightSum)
    {
        for (int k = 0; k < hessian.RowCount - 1; k++) hessian[k, k] += l2 * weightSum;
    }

    public Matrix<double> Hessian(ReadOnlySpan<double> parameters) => Hessian<TLoss>(parameters);

    /// <summary>
    /// The Hessian at θ = 0 with every row at the loss's largest curvature (penalty included), which bounds the Hessian
    /// everywhere: what <see cref="CurvatureBound"/> takes the largest eigenvalue of for small d.
    /// </summary>
    internal Matrix<double> CurvatureBoundHessian() => Hessian<MaximumCurvatureOf<TLoss>>(new double[FeatureCount + 1]);

    /// <summary>The Hessian with the curvature of <typeparamref name="TCurvature"/> (the loss itself, or its bound).</summary>
    private Matrix<double> Hessian<TCurvature>(ReadOnlySpan<double> parameters) where TCurvature : IGlmLoss
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
            if (_rows is DenseRows dense)
            {
                var scratch = new double[GlmKernels.HessianBlockRows * stride];
                GlmKernels.HessianUpper<TCurvature>(dense.Rows(from, to), _labels.AsSpan(from, to - from), WeightsOf(from, to),
                    to - from, d, theta, stride, scratch, sums);
            }
            else
                SparseGlmKernels.HessianUpper<TCurvature>((SparseRows)_rows, from, to, _labels, _weights, theta, stride, sums);
            partials[p] = sums;
        }
        Run(partitions, Partition);

        var h = Matrix<double>.Build.Dense(d + 1, d + 1);
        for (int i = 0; i <= d; i++)
            for (int j = i; j <= d; j++)
            {
                double v = 0;
                for (int p = 0; p < partitions; p++) v += partials[p][i * stride + j];
                h[i, j] = v;
                h[j, i] = v;
            }
        AddPenaltyCurvature(h, L2, WeightSum);
        return h;
    }

    public double CurvatureBound(int iterations = 30)
        => GlmCurvatureBound.Compute<TLoss>(FeatureCount, L2, WeightSum, CurvatureBoundHessian, GramProduct, iterations);

    /// <summary>Σw·x̃x̃ᵀv over the rows (x̃ = [x, 1]) into <paramref name="product"/>: one power-iteration pass.</summary>
    internal void GramProduct(double[] v, double[] product)
    {
        int d = FeatureCount;
        // The gradient partials are idle between evaluations: the power iteration's partial products go there.
        var partials = _gradientPartials;
        void Partition(int p)
        {
            var (from, to) = Range(0, Count, _partitions, p);
            var acc = partials[p];
            Array.Clear(acc);
            if (_rows is DenseRows dense)
                GlmKernels.GramProduct(dense.Rows(from, to), WeightsOf(from, to), to - from, d, v, acc);
            else
                SparseGlmKernels.GramProduct((SparseRows)_rows, from, to, _weights, v, acc);
        }
        Run(_partitions, Partition);
        Array.Clear(product);
        for (int p = 0; p < _partitions; p++)
            for (int k = 0; k <= d; k++) product[k] += partials[p][k];
    }

    private ReadOnlySpan<float> WeightsOf(int from, int to)
        => _weights is null ? ReadOnlySpan<float>.Empty : _weights.AsSpan(from, to - from);

    private void Run(int partitions, Action<int> partition) => _partitioning.Run(partitions, partition);

    private static (int From, int To) Range(int start, int rows, int partitions, int p) => RowPartitions.Range(start, rows, partitions, p);
}
