using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace MlNetExtensions.Distributed.Tests.Support;

/// <summary>
/// One three-silo cluster for every test of this assembly (starting one takes seconds). Tests that stop or kill a silo
/// restore three live silos before they end.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int SiloCount = 3;

    /// <summary>
    /// The client's MaxMessageBodySize: 4 MiB instead of Orleans' 100 MB, so that the check of a shard's answer against it
    /// runs at d ≈ 1,000 rather than 5,100 (every other test's answers are far smaller).
    /// </summary>
    public const int ClientMaxMessageBodySize = 4 << 20;

    public TestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(SiloCount);
        builder.AddSiloBuilderConfigurator<FastFailureDetection>();
        builder.AddClientBuilderConfigurator<SmallMessages>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>
    /// Starts silos until three are live again. It does not wait for every member to see the new ones (5 s here): the next
    /// fit's grains go wherever the cluster places them, which no test depends on.
    /// </summary>
    public async Task RestoreAsync()
    {
        while (Cluster.GetActiveSilos().Count() < SiloCount) await Cluster.StartAdditionalSiloAsync();
    }

    private sealed class SmallMessages : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder)
            => clientBuilder.Configure<ClientMessagingOptions>(options => options.MaxMessageBodySize = ClientMaxMessageBodySize);
    }

    /// <summary>
    /// A crashed silo is declared dead after one missed probe of one second (the defaults take three of ten seconds and two
    /// votes), so that the kill tests wait seconds, not a minute, for the shard grains to move.
    /// </summary>
    private sealed class FastFailureDetection : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
            => siloBuilder.Configure<ClusterMembershipOptions>(options =>
            {
                options.ProbeTimeout = TimeSpan.FromSeconds(1);
                options.NumMissedProbesLimit = 1;
                options.NumVotesForDeathDeclaration = 1;
            });
    }
}

[CollectionDefinition(Name)]
public sealed class SharedCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Orleans cluster";
}
