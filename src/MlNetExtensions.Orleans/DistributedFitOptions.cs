using Microsoft.ML;

namespace MlNetExtensions;

/// <summary>How a distributed fit runs on the cluster (the trainer's own options say what is fitted).</summary>
public sealed class DistributedFitOptions
{
    /// <summary>The defaults, in one place.</summary>
    internal static class Defaults
    {
        /// <summary>Two minutes: enough for the cluster to declare a crashed silo dead and reactivate its shards elsewhere.</summary>
        public static readonly TimeSpan RetryTimeout = TimeSpan.FromMinutes(2);
        /// <summary>The first retry waits 100 ms; each further one twice as long, up to 2 s.</summary>
        public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
        public static readonly TimeSpan MaximumRetryDelay = TimeSpan.FromSeconds(2);
    }

    /// <summary>
    /// The ML.NET context the returned model belongs to and whose log (<c>MLContext.Log</c>) receives the fit's progress; its
    /// <c>CancelExecution</c> stops the fit like the cancellation token does. Default null: a new <c>MLContext</c>.
    /// </summary>
    public MLContext? MLContext { get; set; }

    /// <summary>
    /// How long one shard's step may keep failing with cluster errors (a silo that stopped or crashed, a lost connection, a
    /// timeout) before the fit fails with a <see cref="ShardException"/>. Within it the step is retried, after reloading the
    /// shard where its grain lost its rows. Errors of the shard itself (its file, schema or values) are never retried.
    /// Default 2 minutes.
    /// </summary>
    public TimeSpan RetryTimeout { get; set; } = Defaults.RetryTimeout;

    /// <summary>
    /// The prefix of the shard grains' keys ("{FitId}/{shard index}"). Default null: a new GUID per fit, so that every fit
    /// reads its shards afresh. Fits that share an id must not overlap in time: a shard grain holds the rows of one fit (and
    /// drops them when that fit ends), and a logistic fit whose shard, columns, layout or featurization differ from those of
    /// the rows its grain holds fails with a <see cref="ShardException"/> rather than train on them.
    /// </summary>
    public string? FitId { get; set; }

    /// <summary>
    /// Told after every pass over the shards (describe, load, accumulate, evaluate, Hessian, …), synchronously on the fitting
    /// thread, before the next pass starts. Default null.
    /// </summary>
    public IProgress<DistributedFitProgress>? Progress { get; set; }

    internal void Validate()
    {
        if (RetryTimeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RetryTimeout), RetryTimeout, $"{nameof(RetryTimeout)} must be ≥ 0, but is {RetryTimeout}.");
        if (FitId is not null && (string.IsNullOrWhiteSpace(FitId) || FitId.Contains('/')))
            throw new ArgumentOutOfRangeException(nameof(FitId), FitId, $"{nameof(FitId)} must be non-blank without '/', but is '{FitId}'.");
    }
}

/// <summary>One pass of a distributed fit over all shards (see <see cref="DistributedFitOptions.Progress"/>).</summary>
public sealed class DistributedFitProgress
{
    internal DistributedFitProgress(string stage, int pass, int shardCount, long payloadBytesSent, long payloadBytesReceived, int retries,
        TimeSpan elapsed)
    {
        Stage = stage;
        Pass = pass;
        ShardCount = shardCount;
        PayloadBytesSent = payloadBytesSent;
        PayloadBytesReceived = payloadBytesReceived;
        Retries = retries;
        Elapsed = elapsed;
    }

    /// <summary>What the pass did: Describe, Accumulate, Load, Evaluate, Hessian, CurvatureBound or GramProduct.</summary>
    public string Stage { get; }

    /// <summary>Passes over the shards so far in this fit, this one included (1-based).</summary>
    public int Pass { get; }

    /// <summary>Number of shards.</summary>
    public int ShardCount { get; }

    /// <summary>
    /// Numeric payload the client sent to all shards in this pass: 8 bytes per double of the parameters (d + 1 for a GLM
    /// pass); the shard descriptions of the first passes are not counted. Orleans adds its message headers on top.
    /// </summary>
    public long PayloadBytesSent { get; }

    /// <summary>
    /// Numeric payload all shards sent back in this pass: 8 bytes per double (d + 4 for an evaluation, (d + 1)(d + 2)/2 for a
    /// Hessian, about (d + 2)(d + 3)/2 for the normal equations).
    /// </summary>
    public long PayloadBytesReceived { get; }

    /// <summary>Shard steps retried so far in this fit (after a silo stopped or crashed, or a lost connection).</summary>
    public int Retries { get; }

    /// <summary>Wall time of this pass.</summary>
    public TimeSpan Elapsed { get; }
}
