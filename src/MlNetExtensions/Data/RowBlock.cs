namespace MlNetExtensions.Data;

/// <summary>
/// A block of usable rows as the numeric kernels want them: labels, weights, and the features in the layout the reader
/// chose (<see cref="DenseRowBlock"/> or <see cref="SparseRowBlock"/>).
/// </summary>
internal abstract class RowBlock
{
    private protected RowBlock(int capacity, int featureCount)
    {
        Labels = new float[capacity];
        Weights = new float[capacity];
        FeatureCount = featureCount;
    }

    public float[] Labels { get; }
    public float[] Weights { get; }
    public int FeatureCount { get; }
    public int Count { get; set; }
    public int Capacity => Labels.Length;

    /// <summary>Empties the block for refilling.</summary>
    public virtual void Clear() => Count = 0;
}

/// <summary>Rows in dense row-major form: <see cref="Features"/> holds Capacity × FeatureCount values.</summary>
internal sealed class DenseRowBlock(int capacity, int featureCount) : RowBlock(capacity, featureCount)
{
    public float[] Features { get; } = new float[capacity * featureCount];

    /// <summary>The features of the first <see cref="RowBlock.Count"/> rows.</summary>
    public ReadOnlySpan<float> UsedFeatures => Features.AsSpan(0, Count * FeatureCount);
}

/// <summary>
/// Rows in compressed sparse row form (VBuffer's own indices, never densified): row r's non-zero features are
/// <c>Indices[Offsets[r]..Offsets[r+1]]</c> with <c>Values</c> alongside, indices ascending. Exact zeros are not stored.
/// </summary>
internal sealed class SparseRowBlock : RowBlock
{
    private int[] _indices;
    private float[] _values;

    public SparseRowBlock(int capacity, int featureCount, int initialNonZeros = 0)
        : base(capacity, featureCount)
    {
        Offsets = new int[capacity + 1];
        _indices = new int[Math.Max(16, initialNonZeros)];
        _values = new float[_indices.Length];
    }

    public int[] Offsets { get; }
    public int[] Indices => _indices;
    public float[] Values => _values;

    /// <summary>Stored non-zeros of the first <see cref="RowBlock.Count"/> rows.</summary>
    public int NonZeroCount => Offsets[Count];

    public ReadOnlySpan<int> RowIndices(int row) => _indices.AsSpan(Offsets[row], Offsets[row + 1] - Offsets[row]);
    public ReadOnlySpan<float> RowValues(int row) => _values.AsSpan(Offsets[row], Offsets[row + 1] - Offsets[row]);

    /// <summary>Room for <paramref name="more"/> values after the current end (the arrays grow by doubling).</summary>
    public void EnsureRoom(int more)
    {
        int needed = Offsets[Count] + more;
        if (needed <= _indices.Length) return;
        int size = (int)Math.Min(Math.Max(2L * _indices.Length, needed), Array.MaxLength);
        Array.Resize(ref _indices, size);
        Array.Resize(ref _values, size);
    }

    public override void Clear()
    {
        base.Clear();
        Offsets[0] = 0;
    }
}

/// <summary>How many rows a pass read, used and skipped.</summary>
internal readonly record struct ReadSummary(long RowsRead, long RowsUsed, long RowsSkippedMissing, double WeightSum);
