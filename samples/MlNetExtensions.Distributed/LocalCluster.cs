using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace MlNetExtensions.Samples.Distributed;

/// <summary>
/// N silo processes on loopback, each this program in silo mode with ports of its own (free ones, asked of the OS, so that
/// runs beside other programs do not collide). Disposing stops them: "stop" on standard input, a wait, then a kill of any
/// that did not exit.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    public const string ServiceId = "mlnet-extensions-sample";
    public const string ReadySignal = "READY";

    private readonly List<Process> _silos = [];

    private LocalCluster(string clusterId, int[] siloPorts, int[] gatewayPorts)
    {
        ClusterId = clusterId;
        SiloPorts = siloPorts;
        GatewayPorts = gatewayPorts;
    }

    public string ClusterId { get; }
    public int[] SiloPorts { get; }
    public int[] GatewayPorts { get; }
    public IReadOnlyList<Process> Silos => _silos;

    public static async Task<LocalCluster> StartAsync(int silos)
    {
        var ports = FreePorts(2 * silos);
        var cluster = new LocalCluster($"sample-{Guid.NewGuid():N}"[..15], ports[..silos], ports[silos..]);
        try
        {
            // The primary first (it holds the membership table), then the others at once.
            await cluster.StartSiloAsync(0);
            await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(cluster.StartSiloAsync));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private async Task StartSiloAsync(int index)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // This program again: the apphost under `dotnet run`, or `dotnet <dll>` when started through dotnet.
        string self = Environment.ProcessPath!;
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var arg in new[] { "--silo", Text(index), Text(SiloPorts[index]), Text(GatewayPorts[index]), Text(SiloPorts[0]), ClusterId })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start silo {index}.");
        lock (_silos) _silos.Add(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == ReadySignal) ready.TrySetResult();
            else if (!string.IsNullOrWhiteSpace(e.Data)) Console.WriteLine($"  [silo {index}] {e.Data}");
        };
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) Console.WriteLine($"  [silo {index}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(90))) != ready.Task)
            throw new InvalidOperationException($"Silo {index} did not start (exited: {process.HasExited}).");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Kills silo <paramref name="index"/> at once, as a crash would.</summary>
    public void Kill(int index) => _silos[index].Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos.Where(s => !s.HasExited))
        {
            try { await silo.StandardInput.WriteLineAsync("stop"); silo.StandardInput.Close(); }
            catch (IOException) { }
        }
        foreach (var silo in _silos)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await silo.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { silo.Kill(entireProcessTree: true); await silo.WaitForExitAsync(); }
            silo.Dispose();
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => { var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return l; }).ToArray();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
