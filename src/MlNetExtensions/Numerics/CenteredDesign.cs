using MlNetExtensions.Data;

namespace MlNetExtensions.Numerics;

/// <summary>
/// The weighted, centred design matrix Ã = W^½(X − 1·x̄ᵀ) of held rows (x̄ the weighted feature means) as a linear operator,
/// without forming it (which would fill in every zero of sparse rows) or ÃᵀÃ (d × d): Ã·v is a gather per non-zero and
/// Ãᵀ·u a scatter-add per non-zero, O(nnz) time and O(n + d) memory, in fixed row partitions summed in order (the same
/// bits on one thread or many). The least-squares problem of the closed-form trainer is min ‖Ãθ − W^½(y − ȳ)‖² + λ‖θ‖².
/// </summary>
internal sealed class CenteredDesign : ILinearOperator
{
    private readonly FeatureRows _rows;
    private readonly double[]? _rootWeights;
    private readonly double[] _means;
    private readonly RowPartitions _partitions;
    private readonly double[][] _partials;
    private readonly double[] _partialSums;
    private readonly double[] _rowBuffer;
    private readonly double[] _vector;

    /// <param name="rows">The feature rows.</param>
    /// <param name="weights">One weight per row, or null for all ones.</param>
    /// <param name="threads">The most threads a product may use.</param>
    public CenteredDesign(FeatureRows rows, float[]? weights, int threads)
    {
        _rows = rows;
        _rootWeights = weights?.Select(w => Math.Sqrt(w)).ToArray();
        WeightSum = weights?.Sum(w => (double)w) ?? rows.Count;
        _partitions = new RowPartitions(rows, threads);
        _partials = new double[_partitions.Count][];
        for (int p = 0; p < _partials.Length; p++) _partials[p] = new double[rows.FeatureCount];
        _partialSums = new double[_partitions.Count];
        _vector = new double[rows.FeatureCount];
        _rowBuffer = new double[rows.Count];
        _means = new double[rows.FeatureCount];
        var ones = new double[rows.Count];
        for (int r = 0; r < ones.Length; r++) ones[r] = RootWeight(r);
        // Σw·x / Σw through the transpose while the means are still zero (into a separate array: the product reads them).
        var sums = new double[rows.FeatureCount];
        MultiplyTransposed(ones, sums);
        for (int k = 0; k < sums.Length; k++) _means[k] = sums[k] / WeightSum;
    }

    public int Columns => _rows.FeatureCount;
    public int Rows => _rows.Count;

    /// <summary>Σw.</summary>
    public double WeightSum { get; }

    /// <summary>x̄ = Σw·x/Σw.</summary>
    public ReadOnlySpan<double> Means => _means;

    /// <summary>The data-space target W^½(y − ȳ).</summary>
    public double[] Target(float[] labels, double labelMean)
    {
        var target = new double[Rows];
        for (int r = 0; r < target.Length; r++) target[r] = RootWeight(r) * (labels[r] - labelMean);
        return target;
    }

    /// <summary>result = Ã·v: √wᵣ·(xᵣᵀv − x̄ᵀv).</summary>
    public void Multiply(ReadOnlySpan<double> v, Span<double> result)
    {
        double shift = System.Numerics.Tensors.TensorPrimitives.Dot(_means, v);
        // The partitions' closure cannot hold a span: v goes to a buffer of the design's own (a fresh array every conjugate-
        // gradient iteration would be a large-object allocation at wide d).
        var vector = _vector;
        v.CopyTo(vector);
        var output = _rowBuffer;
        _partitions.Run(_partitions.Count, p =>
        {
            var (from, to) = _partitions.Range(p);
            for (int r = from; r < to; r++) output[r] = RootWeight(r) * (RowDot(_rows, r, vector) - shift);
        });
        output.CopyTo(result);
    }

    /// <summary>result = Ãᵀ·u = Σᵣ √wᵣ·uᵣ·(xᵣ − x̄).</summary>
    public void MultiplyTransposed(ReadOnlySpan<double> u, Span<double> result)
    {
        var input = _rowBuffer;
        if (!u.Overlaps(input)) u.CopyTo(input);
        _partitions.Run(_partitions.Count, p =>
        {
            var (from, to) = _partitions.Range(p);
            var partial = _partials[p];
            Array.Clear(partial);
            double sum = 0;
            for (int r = from; r < to; r++)
            {
                double a = RootWeight(r) * input[r];
                AddScaledRow(_rows, r, a, partial);
                sum += a;
            }
            _partialSums[p] = sum;
        });
        result.Clear();
        double total = 0;
        for (int p = 0; p < _partitions.Count; p++)
        {
            var partial = _partials[p];
            for (int k = 0; k < result.Length; k++) result[k] += partial[k];
            total += _partialSums[p];
        }
        for (int k = 0; k < result.Length; k++) result[k] -= _means[k] * total;
    }

    private double RootWeight(int r) => _rootWeights is null ? 1.0 : _rootWeights[r];

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
