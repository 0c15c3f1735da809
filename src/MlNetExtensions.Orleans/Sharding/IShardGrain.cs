namespace MlNetExtensions.Sharding;

/// <summary>
/// One shard of a distributed fit, keyed by "{fit id}/{shard index}" so that every fit gets fresh activations. The activation
/// is the cache: <see cref="LoadAsync"/> reads the shard once and the GLM passes run over the rows it holds; an activation
/// that lost them (reactivated on another silo after a failure) answers <see cref="ShardNotLoadedException"/> and the client
/// loads it again. Every failure of the shard itself (its file, schema or values) is a <see cref="ShardException"/>.
/// </summary>
/// <remarks>
/// Reads of a large shard take minutes, longer than Orleans' default response timeout (30 s), so the methods carry their own:
/// 2 hours for a read, 30 minutes for a pass. A silo that dies during a call is noticed by the client's watch on the
/// cluster's membership (<see cref="ShardFit"/>), not by these timeouts.
/// </remarks>
internal interface IShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// The silo the grain is active on (activating it there if needed, without reading anything): what the client's watch
    /// on the membership supervises. A short timeout, so that a call lost to a crashed silo is retried soon.
    /// </summary>
    [ResponseTimeout("00:00:10")]
    Task<string> LocateAsync(CancellationToken cancellationToken);

    /// <summary>Opens the shard, checks its schema, and (for layout Auto) decides the feature layout from its first rows.</summary>
    [ResponseTimeout("02:00:00")]
    Task<ShardDescription> DescribeAsync(ShardTask task, CancellationToken cancellationToken);

    /// <summary>Streams the shard into the normal-equation statistics (nothing is held).</summary>
    [ResponseTimeout("02:00:00")]
    Task<ShardMoments> AccumulateAsync(ShardTask task, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the shard's usable rows into memory (once per activation; later calls with an equal task return what the first
    /// read, and a call with another task fails with a <see cref="ShardException"/>).
    /// </summary>
    [ResponseTimeout("02:00:00")]
    Task<ShardRows> LoadAsync(ShardTask task, CancellationToken cancellationToken);

    /// <summary>The GLM loss and gradient sums over the held rows at <paramref name="parameters"/> ([θ, b]).</summary>
    [ResponseTimeout("00:30:00")]
    Task<ShardPass> EvaluateAsync(double[] parameters, CancellationToken cancellationToken);

    /// <summary>
    /// The upper triangle, row by row, of the unnormalised, unpenalised Hessian Σw·ℓ''·x̃x̃ᵀ at <paramref name="parameters"/>,
    /// or with <paramref name="curvatureBound"/> of the same at θ = 0 with every row at the loss's largest curvature.
    /// </summary>
    [ResponseTimeout("00:30:00")]
    Task<double[]> HessianAsync(double[] parameters, bool curvatureBound, CancellationToken cancellationToken);

    /// <summary>Σw·x̃x̃ᵀv over the held rows (a power-iteration pass).</summary>
    [ResponseTimeout("00:30:00")]
    Task<double[]> GramProductAsync(double[] vector, CancellationToken cancellationToken);

    /// <summary>Drops the held rows and deactivates.</summary>
    Task ReleaseAsync();
}
