using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace MlNetExtensions.Samples.Distributed;

/// <summary>
/// A silo of the local cluster: this program started with <c>--silo</c>. It hosts MlNetExtensions.Orleans' shard grains
/// (found through the package reference, nothing to register), says READY on standard output once it has joined, and stops
/// when its parent writes "stop" or closes standard input (so a parent that dies leaves no silo behind).
/// </summary>
internal static class SiloProcess
{
    public static async Task<int> RunAsync(int index, int siloPort, int gatewayPort, int primaryPort, string clusterId)
    {
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error).AddFilter("Orleans.Runtime.GrainCallCancellationManager", LogLevel.Critical))
            .UseOrleans(silo =>
            {
                // Development clustering on loopback: silo 0 holds the membership table, the others join through it.
                silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort), LocalCluster.ServiceId, clusterId);
                silo.Configure<SiloOptions>(o => o.SiloName = $"silo-{index}");
                // A crashed silo is declared dead after two missed probes of 2 s (the defaults: three of 5 s and two votes).
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(2);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 1;
                });
            })
            .Build();
        await host.StartAsync();
        Console.WriteLine(LocalCluster.ReadySignal);
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null && line != "stop")
        {
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
        host.Dispose();
        return 0;
    }
}
