using MlNetExtensions.Data;

namespace MlNetExtensions.Numerics;

/// <summary>
/// The ridge normal-equation operator v ↦ (X̃ᵀWX̃ + λI)·v of held rows, with X̃ = X − 1·x̄ᵀ the rows centred on their
/// weighted means, applied without forming X̃ (which would fill in every zero of sparse rows) or the d × d matrix: one pass
/// s = X·v (a gather per non-zero), u = W(s − x̄ᵀv), then Xᵀ·u − x̄·Σu (a scatter-add per non-zero). O(nnz) time and O(d)
/// extra memory per application, in fixed row partitions summed in order (the same bits on one thread or many).
/// </summary>
internal sealed class CenteredGramOperator : ISymmetricOperator
{
    private readonly FeatureRows _rows;
    private readonly float[]? _weights;
    private readonly double[] _means;
    private readonly double _l2;
    private readonly RowPartitions _partitions;
    private readonly double[][] _partials;
    private readonly double[] _partialWeightedSums;
    private readonly double[] _scaled;

    public CenteredGramOperator(FeatureRows rows, float[]? weights, double[] means, double l2, int threads)
    {
        _rows = rows;
        _weights = weights;
        _means = means;
        _l2 = l2;
        _partitions = new RowPartitions(rows.Count, threads);
        _partials = new double[_partitions.Count][];
        for (int p = 0; p < _partials.Length; p++) _partials[p] = new double[rows.FeatureCount];
        _partialWeightedSums = new double[_partitions.Count];
        _scaled = new double[rows.Count];
    }

    public int Dimension => _rows.FeatureCount;

    /// <summary>Weighted feature means x̄ = ΣwX/Σw of held rows.</summary>
    public static double[] Means(FeatureRows rows, float[]? weights, double weightSum)
    {
        var sums = new double[rows.FeatureCount];
        for (int r = 0; r < rows.Count; r++)
            AddScaledRow(rows, r, weights is null ? 1.0 : weights[r], sums);
        for (int k = 0; k < sums.Length; k++) sums[k] /= weightSum;
        return sums;
    }

    /// <summary>b = X̃ᵀW(y − ȳ) = XᵀW(y − ȳ) − x̄·ΣW(y − ȳ), the right-hand side of the normal equations.</summary>
    public double[] RightHandSide(float[] labels, double labelMean)
    {
        var residuals = new double[_rows.Count];
        for (int r = 0; r < residuals.Length; r++) residuals[r] = (_weights is null ? 1.0 : _weights[r]) * (labels[r] - labelMean);
        var result = new double[Dimension];
        TransposedProduct(residuals, result);
        return result;
    }

    public void Apply(ReadOnlySpan<double> v, Span<double> result)
    {
        double shift = System.Numerics.Tensors.TensorPrimitives.Dot(_means, v);
        var vector = v.ToArray();
        var scaled = _scaled;
        _partitions.Run(_partitions.Count, p =>
        {
            var (from, to) = _partitions.Range(p);
            for (int r = from; r < to; r++)
                scaled[r] = (_weights is null ? 1.0 : _weights[r]) * (RowDot(_rows, r, vector) - shift);
        });
        TransposedProduct(scaled, result);
        for (int k = 0; k < result.Length; k++) result[k] += _l2 * v[k];
    }

    /// <summary>result = Xᵀu − x̄·Σu = X̃ᵀu.</summary>
    private void TransposedProduct(double[] u, Span<double> result)
    {
        _partitions.Run(_partitions.Count, p =>
        {
            var (from, to) = _partitions.Range(p);
            var partial = _partials[p];
            Array.Clear(partial);
            double sum = 0;
            for (int r = from; r < to; r++)
            {
                AddScaledRow(_rows, r, u[r], partial);
                sum += u[r];
            }
            _partialWeightedSums[p] = sum;
        });
        result.Clear();
        double total = 0;
        for (int p = 0; p < _partitions.Count; p++)
        {
            var partial = _partials[p];
            for (int k = 0; k < result.Length; k++) result[k] += partial[k];
            total += _partialWeightedSums[p];
        }
        for (int k = 0; k < result.Length; k++) result[k] -= _means[k] * total;
    }

    /// <summary>xᵣᵀv.</summary>
    public static double RowDot(FeatureRows rows, int r, ReadOnlySpan<double> v)
    {
        if (rows is DenseRows dense) return VectorMath.Dot(dense.Rows(r, r + 1), v);
        var sparse = (SparseRows)rows;
        double sum = 0;
        for (int k = sparse.Offsets[r]; k < sparse.Offsets[r + 1]; k++) sum += sparse.Values[k] * v[sparse.Indices[k]];
        return sum;
    }

    /// <summary>target += a·xᵣ.</summary>
    private static void AddScaledRow(FeatureRows rows, int r, double a, Span<double> target)
    {
        if (a == 0) return;
        if (rows is DenseRows dense)
        {
            VectorMath.AddScaled(target, a, dense.Rows(r, r + 1));
            return;
        }
        var sparse = (SparseRows)rows;
        for (int k = sparse.Offsets[r]; k < sparse.Offsets[r + 1]; k++) target[sparse.Indices[k]] += a * sparse.Values[k];
    }
}
