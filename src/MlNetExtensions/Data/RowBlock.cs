namespace MlNetExtensions.Data;

/// <summary>A block of rows in dense row-major form, as the numeric kernels want it.</summary>
internal sealed class RowBlock
{
    public RowBlock(int capacity, int featureCount)
    {
        Features = new float[capacity * featureCount];
        Labels = new float[capacity];
        Weights = new float[capacity];
    }

    public float[] Features { get; }
    public float[] Labels { get; }
    public float[] Weights { get; }
    public int Count { get; set; }
    public int Capacity => Labels.Length;
}

/// <summary>How many rows a pass read, used and skipped.</summary>
internal readonly record struct ReadSummary(long RowsRead, long RowsUsed, long RowsSkippedMissing, double WeightSum);
