using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace MlNetExtensions.Distributed.Tests.Support;

/// <summary>Where a fit's shard grains live, from Orleans' management grain.</summary>
public static class ClusterSilos
{
    /// <summary>
    /// The secondary silo (the primary holds the test cluster's membership table) that hosts the most shard grains of the fit
    /// <paramref name="fitId"/>, and how many it hosts.
    /// </summary>
    public static (SiloHandle Silo, int Shards) BusiestSecondary(ClusterFixture fixture, string fitId)
    {
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var grains = management.GetDetailedGrainStatistics().GetAwaiter().GetResult()
            .Where(g => g.GrainType.Contains("ShardGrain", StringComparison.Ordinal)
                        && g.GrainId.Key.ToString()!.StartsWith(fitId + "/", StringComparison.Ordinal))
            .ToArray();
        return fixture.Cluster.SecondarySilos
            .Select(s => (Silo: s, Shards: grains.Count(g => g.SiloAddress.Equals(s.SiloAddress))))
            .OrderByDescending(x => x.Shards)
            .First();
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its handler synchronously on the reporting thread (Progress&lt;T&gt; posts it).</summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        lock (Reports) Reports.Add(value);
        handler(value);
    }
}
