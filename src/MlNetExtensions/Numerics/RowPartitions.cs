using MlNetExtensions.Data;

namespace MlNetExtensions.Numerics;

/// <summary>
/// Rows cut into a fixed number of contiguous partitions that depends only on the row count (never on the thread count),
/// processed in parallel and combined by the caller in partition order: a pass over held rows then gives the same result
/// to the bit on one thread or many.
/// </summary>
internal sealed class RowPartitions
{
    /// <summary>Rows per partition at least (smaller partitions do not pay for the scheduling).</summary>
    public const int MinimumRows = 4096;

    /// <summary>At most this many partitions: enough to balance two to eight cores.</summary>
    public const int MaximumCount = 16;

    private readonly ParallelOptions _parallel;

    /// <summary>
    /// Sparse rows: each partition needs at least this many stored non-zeros per entry of its d + 1 partial sums, since the
    /// partials are cleared and added up once a pass (at d = 10⁵ and 50 non-zeros a row, 16 partitions spent as long on
    /// their partial gradients as on the rows).
    /// </summary>
    public const int MinimumNonZerosPerPartialEntry = 8;

    /// <summary>Partitions of <paramref name="rows"/>: by row count, and for sparse rows also by non-zeros against d.</summary>
    public RowPartitions(FeatureRows rows, int maximumThreads)
        : this(rows.Count, CountFor(rows), maximumThreads)
    {
    }

    private RowPartitions(int rows, int count, int maximumThreads)
    {
        Rows = rows;
        Count = count;
        Threads = Count == 1 ? 1 : Math.Max(1, maximumThreads);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    public int Rows { get; }
    public int Count { get; }
    public int Threads { get; }

    /// <summary>The partition count for <paramref name="rows"/> rows.</summary>
    public static int CountFor(int rows) => Math.Clamp(rows / MinimumRows, 1, MaximumCount);

    /// <summary>The partition count for <paramref name="rows"/> (a function of n, and for sparse rows of nnz and d).</summary>
    public static int CountFor(FeatureRows rows) => rows is SparseRows sparse
        ? Math.Clamp((int)Math.Min(rows.Count / MinimumRows, sparse.NonZeroCount / (MinimumNonZerosPerPartialEntry * (rows.FeatureCount + 1L))), 1, MaximumCount)
        : CountFor(rows.Count);

    /// <summary>Rows [From, To) of partition <paramref name="p"/> of <paramref name="partitions"/> over [start, start + rows).</summary>
    public static (int From, int To) Range(int start, int rows, int partitions, int p)
    {
        long from = start + (long)rows * p / partitions;
        long to = start + (long)rows * (p + 1) / partitions;
        return ((int)from, (int)to);
    }

    /// <summary>Partition <paramref name="p"/> of all rows.</summary>
    public (int From, int To) Range(int p) => Range(0, Rows, Count, p);

    /// <summary>Runs <paramref name="partition"/> for 0 … <paramref name="partitions"/> − 1, in parallel when there is more than one thread.</summary>
    public void Run(int partitions, Action<int> partition)
    {
        if (partitions == 1 || Threads == 1)
            for (int p = 0; p < partitions; p++) partition(p);
        else
            Parallel.For(0, partitions, _parallel, partition);
    }
}
