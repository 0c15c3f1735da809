namespace MlNetExtensions.Data;

/// <summary>Every usable row of the training data held in memory (for the iterative trainers), in the reader's layout.</summary>
/// <param name="Features">The feature rows, dense or sparse.</param>
/// <param name="Labels">One label per row.</param>
/// <param name="Weights">One example weight per row (1 without a weight column).</param>
/// <param name="Summary">What the pass read and skipped.</param>
internal sealed record TrainingSet(FeatureRows Features, float[] Labels, float[] Weights, ReadSummary Summary)
{
    public int Count => Labels.Length;
    public int FeatureCount => Features.FeatureCount;

    /// <summary>The rows in the given order (a permutation or a subset).</summary>
    public TrainingSet Gather(ReadOnlySpan<int> rows)
    {
        var y = new float[rows.Length];
        var w = new float[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            y[i] = Labels[rows[i]];
            w[i] = Weights[rows[i]];
        }
        return new TrainingSet(Features.Gather(rows), y, w, Summary);
    }
}

/// <summary>The feature rows of a <see cref="TrainingSet"/>.</summary>
internal abstract class FeatureRows
{
    private protected FeatureRows(int count, int featureCount)
    {
        Count = count;
        FeatureCount = featureCount;
    }

    public int Count { get; }
    public int FeatureCount { get; }

    /// <summary>Bytes the rows take in memory.</summary>
    public abstract long SizeInBytes { get; }

    /// <summary>The given rows, in the given order.</summary>
    public abstract FeatureRows Gather(ReadOnlySpan<int> rows);
}

/// <summary>Rows as one row-major array of Count × FeatureCount floats.</summary>
internal sealed class DenseRows(float[] values, int count, int featureCount) : FeatureRows(count, featureCount)
{
    public float[] Values { get; } = values;

    public override long SizeInBytes => (long)Values.Length * sizeof(float);

    /// <summary>Rows [from, to) as a span.</summary>
    public ReadOnlySpan<float> Rows(int from, int to) => Values.AsSpan(from * FeatureCount, (to - from) * FeatureCount);

    public override FeatureRows Gather(ReadOnlySpan<int> rows)
    {
        int d = FeatureCount;
        var values = new float[(long)rows.Length * d];
        for (int i = 0; i < rows.Length; i++) Array.Copy(Values, (long)rows[i] * d, values, (long)i * d, d);
        return new DenseRows(values, rows.Length, d);
    }
}

/// <summary>
/// Rows in compressed sparse row form: row r's non-zeros are <c>Indices[Offsets[r]..Offsets[r+1]]</c> (ascending) with
/// <c>Values</c> alongside; 8 bytes a non-zero plus 4 a row.
/// </summary>
internal sealed class SparseRows(int[] offsets, int[] indices, float[] values, int count, int featureCount) : FeatureRows(count, featureCount)
{
    public int[] Offsets { get; } = offsets;
    public int[] Indices { get; } = indices;
    public float[] Values { get; } = values;

    public int NonZeroCount => Offsets[Count];

    public override long SizeInBytes => (long)Offsets.Length * sizeof(int) + (long)NonZeroCount * (sizeof(int) + sizeof(float));

    public override FeatureRows Gather(ReadOnlySpan<int> rows)
    {
        var offsets = new int[rows.Length + 1];
        for (int i = 0; i < rows.Length; i++) offsets[i + 1] = offsets[i] + (Offsets[rows[i] + 1] - Offsets[rows[i]]);
        var indices = new int[offsets[^1]];
        var values = new float[offsets[^1]];
        for (int i = 0; i < rows.Length; i++)
        {
            int from = Offsets[rows[i]], length = Offsets[rows[i] + 1] - from;
            Array.Copy(Indices, from, indices, offsets[i], length);
            Array.Copy(Values, from, values, offsets[i], length);
        }
        return new SparseRows(offsets, indices, values, rows.Length, FeatureCount);
    }
}
