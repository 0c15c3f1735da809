using MathNet.Numerics.LinearAlgebra;
using MlNetExtensions.Numerics.Glm;
using MlNetExtensions.Numerics.Optimization;

namespace MlNetExtensions.Sharding;

/// <summary>
/// The logistic objective with its passes on shard grains (the grains hold a <see cref="GlmObjective{TLoss}"/> of
/// <see cref="LogisticLoss"/>, the only loss fitted over shards): each grain runs the in-process pass
/// over the rows it holds and returns the unscaled sums; this adds them in shard order and finishes them exactly as the
/// in-process objective finishes its partitions' sums (<see cref="GlmObjective{TLoss}.Penalise"/>). The core library's
/// minimisers, stopping rules and statistics then run over it unchanged.
/// </summary>
internal sealed class DistributedGlmObjective : IGlmObjective
{
    private readonly ShardFit _shards;

    public DistributedGlmObjective(ShardFit shards, int featureCount, long rows, double weightSum, double l2Regularization)
    {
        _shards = shards;
        FeatureCount = featureCount;
        Rows = rows;
        WeightSum = weightSum;
        L2 = l2Regularization;
    }

    /// <summary>All shards' usable rows.</summary>
    public long Rows { get; }

    public int Count => (int)Math.Min(Rows, int.MaxValue);
    public int FeatureCount { get; }
    public int Dimension => FeatureCount + 1;
    public double WeightSum { get; }
    public double L2 { get; }

    /// <summary>The shards, which run their passes in parallel.</summary>
    public int Threads => _shards.Count;

    public double LastLossSum { get; private set; }
    public double LastMinMargin { get; private set; }
    public double LastMaxAbsScore { get; private set; }

    private long ParameterBytes => 8L * Dimension;

    private double[]? _lastParameters;

    public bool LastEvaluatedAt(ReadOnlySpan<double> parameters) => _lastParameters is { } last && parameters.SequenceEqual(last);

    public double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient)
    {
        var theta = parameters.ToArray();
        // Added in shard order as each answer arrives: the same additions, in the same order, as over all answers at once.
        var sum = new double[gradient.Length];
        double loss = 0, minMargin = double.PositiveInfinity, maxAbsScore = 0;
        _shards.Run("Evaluate", ParameterBytes, p => 8L * (p.Gradient.Length + 3), (grain, ct) => grain.EvaluateAsync(theta, ct),
            (_, pass) =>
            {
                loss += pass.LossSum;
                minMargin = Math.Min(minMargin, pass.MinMargin);
                maxAbsScore = Math.Max(maxAbsScore, pass.MaxAbsScore);
                for (int k = 0; k < sum.Length; k++) sum[k] += pass.Gradient[k];
            });
        sum.CopyTo(gradient);
        LastLossSum = loss;
        LastMinMargin = minMargin;
        LastMaxAbsScore = maxAbsScore;
        _lastParameters = theta;
        return GlmObjective<LogisticLoss>.Penalise(loss, gradient, parameters, WeightSum, L2);
    }

    /// <exception cref="NotSupportedException">Always: mini-batches would need the rows in one shuffled order; the
    /// distributed fit refuses BatchSize before it starts.</exception>
    public double EvaluateRows(ReadOnlySpan<double> parameters, Span<double> gradient, int start, int rows, double weightSum)
        => throw new NotSupportedException("Mini-batch passes need the rows in one process; the distributed fit runs full-batch passes.");

    public Matrix<double> Hessian(ReadOnlySpan<double> parameters)
    {
        var theta = parameters.ToArray();
        return PenalisedHessian("Hessian", (grain, ct) => grain.HessianAsync(theta, false, ct));
    }

    public double CurvatureBound(int iterations = 30)
        => GlmCurvatureBound.Compute<LogisticLoss>(FeatureCount, L2, WeightSum,
            () =>
            {
                var zero = new double[Dimension];
                return PenalisedHessian("CurvatureBound", (grain, ct) => grain.HessianAsync(zero, true, ct));
            },
            (v, product) =>
            {
                Array.Clear(product);
                _shards.Run("GramProduct", ParameterBytes, p => 8L * p.Length, (grain, ct) => grain.GramProductAsync(v, ct),
                    (_, part) =>
                    {
                        for (int k = 0; k < product.Length; k++) product[k] += part[k];
                    });
            },
            iterations);

    /// <summary>
    /// The shards' upper triangles added in shard order, as a full symmetric matrix: each is added into the matrix's upper
    /// triangle as it arrives and dropped, so the client holds the matrix and one shard's triangle, not all of them.
    /// </summary>
    private Matrix<double> PenalisedHessian(string stage, Func<IShardGrain, CancellationToken, Task<double[]>> call)
    {
        var h = SumUpper(stage, call);
        GlmObjective<LogisticLoss>.AddPenaltyCurvature(h, L2, WeightSum);
        return h;
    }

    private Matrix<double> SumUpper(string stage, Func<IShardGrain, CancellationToken, Task<double[]>> call)
    {
        int m = Dimension;
        var h = Matrix<double>.Build.Dense(m, m);
        var values = h.AsColumnMajorArray();
        _shards.Run(stage, ParameterBytes, p => 8L * p.Length, call, (_, part) =>
        {
            int at = 0;
            for (int i = 0; i < m; i++)
                for (int j = i; j < m; j++, at++) values[(long)j * m + i] += part[at];
        });
        for (int i = 0; i < m; i++)
            for (int j = i + 1; j < m; j++) values[(long)i * m + j] = values[(long)j * m + i];
        return h;
    }
}
