// The distributed sample. One command:
//   dotnet run --project samples/MlNetExtensions.Distributed -c Release [-- --silos 3 --shards 8 --rows 200000 --features 20
//        --output DIR --kill-a-silo]
// starts a local Orleans cluster of silo processes on loopback, writes shards of a generated data set, fits closed-form
// linear regression and logistic regression over the shards and in process on the same rows, prints how they compare, and
// shuts everything down. With --gateways host:port,... --cluster-id ID [--service-id ID] it connects to a running cluster
// instead (its silos must reference MlNetExtensions.Orleans and see --output, which must then be shared storage).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using MlNetExtensions;
using MlNetExtensions.Samples.Distributed;
using Orleans.Hosting;

if (args.Length > 0 && args[0] == "--silo")
    return await SiloProcess.RunAsync(ParseInt(args[1]), ParseInt(args[2]), ParseInt(args[3]), ParseInt(args[4]), args[5]);

int silos = IntOption("--silos", 3), shardCount = IntOption("--shards", 8), rows = IntOption("--rows", 200_000), features = IntOption("--features", 20);
string? output = Option("--output"), gateways = Option("--gateways");
bool killASilo = args.Contains("--kill-a-silo");
if (silos < 1 || shardCount < 1 || rows < shardCount || features < 1) { Console.Error.WriteLine("--silos, --shards, --rows and --features must be positive (rows ≥ shards)."); return 2; }
if (killASilo && (silos < 2 || gateways is not null)) { Console.Error.WriteLine("--kill-a-silo needs a local cluster of at least 2 silos."); return 2; }

string directory = output ?? Path.Combine(Path.GetTempPath(), $"mlnet-distributed-sample-{Guid.NewGuid():N}");
var clock = Stopwatch.StartNew();
var data = SampleData.Write(directory, shardCount, rows, features, seed: 42);
Console.WriteLine($"Wrote {rows:N0} rows × {features} features as {shardCount} CSV shards in {directory} ({clock.ElapsedMilliseconds} ms).");

LocalCluster? cluster = null;
IHost? clientHost = null;
try
{
    if (gateways is null)
    {
        clock.Restart();
        cluster = await LocalCluster.StartAsync(silos);
        Console.WriteLine($"Started {silos} silo processes on 127.0.0.1 (silo ports {string.Join(", ", cluster.SiloPorts)}; gateway ports " +
            $"{string.Join(", ", cluster.GatewayPorts)}; cluster '{cluster.ClusterId}') in {clock.ElapsedMilliseconds} ms.");
    }
    clientHost = new HostBuilder()
        .ConfigureLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error))
        .UseOrleansClient(client =>
        {
            if (cluster is not null)
                client.UseLocalhostClustering(cluster.GatewayPorts, LocalCluster.ServiceId, cluster.ClusterId);
            else
                client.UseStaticClustering(gateways!.Split(',').Select(g => IPEndPoint.Parse(g.Trim())).ToArray())
                    .Configure<Orleans.Configuration.ClusterOptions>(o =>
                    {
                        o.ClusterId = Option("--cluster-id") ?? throw new ArgumentException("--gateways needs --cluster-id.");
                        o.ServiceId = Option("--service-id") ?? LocalCluster.ServiceId;
                    });
        })
        .Build();
    await clientHost.StartAsync();
    var grains = clientHost.Services.GetRequiredService<IClusterClient>();
    var ml = new MLContext(seed: 0);
    var all = data.LoadAll(ml);
    // The distributed fits log to their own context: its warnings (retries after a lost silo) are shown as they happen.
    var fitLog = new MLContext(seed: 0);
    fitLog.Log += (_, e) =>
    {
        if (e.Kind >= Microsoft.ML.Runtime.ChannelMessageKind.Warning) Console.WriteLine($"  [fit] {e.Message[(e.Message.IndexOf(']') + 2)..]}");
    };
    var table = new List<string[]>();

    // Closed-form linear regression: one pass of normal-equation statistics per shard, merged in shard order.
    var linearOptions = new ClosedFormLinearRegressionTrainer.Options { LabelColumnName = "Y" };
    var (linear, linearRun) = await TimedAsync(progress => grains.FitClosedFormLinearRegressionAsync(data.Source, linearOptions,
        new DistributedFitOptions { Progress = progress, MLContext = fitLog }));
    var sw = Stopwatch.StartNew();
    var linearInProcess = ml.Regression.Trainers.ClosedFormLinearRegression(linearOptions).Fit(all);
    double linearMs = sw.Elapsed.TotalMilliseconds;
    double linearDiff = RelativeDifference(linearInProcess.Model.GetStatistics().Coefficients, linear.Model.GetStatistics().Coefficients);
    table.Add(Row("closed-form linear regression", linearMs, linearRun, $"coefficients {linearDiff:E1}",
        $"R² {linear.Model.GetStatistics().RSquared:F4}"));

    // Logistic regression, Newton and L-BFGS: θ out to every shard each pass, loss, gradient (and Hessian) sums back.
    foreach (var optimizer in new[] { LogisticOptimizer.Newton, LogisticOptimizer.Lbfgs })
    {
        var options = new BceLogisticRegressionTrainer.Options { LabelColumnName = "Click", Optimizer = optimizer, L2Regularization = 1e-4 };
        bool kill = killASilo && optimizer == LogisticOptimizer.Lbfgs;
        var (logistic, run) = await TimedAsync(progress => grains.FitBceLogisticRegressionAsync(data.Source, options,
            new DistributedFitOptions { Progress = progress, MLContext = fitLog }), kill ? p =>
            {
                if (p.Stage == "Evaluate" && p.Pass == 5)
                {
                    Console.WriteLine($"  killing silo {silos - 1} (process {cluster!.Silos[silos - 1].Id}) in the middle of the L-BFGS fit");
                    cluster.Kill(silos - 1);
                }
            }
        : null);
        sw.Restart();
        var inProcess = ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(all);
        double ms = sw.Elapsed.TotalMilliseconds;
        var (expected, actual) = (inProcess.Model.SubModel.GetTrainingReport(), logistic.Model.SubModel.GetTrainingReport());
        double objective = Math.Abs(actual.Objective - expected.Objective) / expected.Objective;
        var auc = ml.BinaryClassification.Evaluate(logistic.Transform(all), labelColumnName: "Click").AreaUnderRocCurve;
        table.Add(Row($"logistic regression, {optimizer}", ms, run, $"objective {objective:E1}", $"{actual.Iterations} iterations, AUC {auc:F4}"));
    }

    Console.WriteLine();
    Console.WriteLine($"{shardCount} shards on {(cluster is null ? "the cluster at " + gateways : $"{silos} local silo processes")}; the in-process fit reads the same rows.");
    Console.WriteLine();
    string[] header = ["fit", "in process ms", "over shards ms", "passes", "retries", "sent per pass", "received per pass", "relative difference", "result"];
    PrintTable([header, .. table]);
    Console.WriteLine();
    Console.WriteLine("Payload summed over all shards, 8 bytes a double: θ (d + 1) to each shard; back from each the loss, gradient and margins " +
        "(d + 4) of an evaluation, the upper triangle (d + 1)(d + 2)/2 of a Hessian (Newton's steps; the statistics' one pass for L-BFGS), " +
        "the normal equations (d + 2)(d + 3)/2 + d + 1 of the linear fit's one pass. Orleans' message headers come on top.");
    return 0;
}
finally
{
    if (clientHost is not null)
    {
        await clientHost.StopAsync();
        clientHost.Dispose();
    }
    if (cluster is not null)
    {
        await cluster.DisposeAsync();
        Console.WriteLine($"Stopped the {silos} silo processes.");
    }
    if (output is null) Directory.Delete(directory, recursive: true);
}

static async Task<(T Model, FitRun Run)> TimedAsync<T>(Func<IProgress<DistributedFitProgress>, Task<T>> fit, Action<DistributedFitProgress>? onPass = null)
{
    var run = new FitRun(onPass);
    var clock = Stopwatch.StartNew();
    var model = await fit(run);
    run.Milliseconds = clock.Elapsed.TotalMilliseconds;
    return (model, run);
}

static double RelativeDifference(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    => expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() / expected.Max(Math.Abs);

static string[] Row(string name, double inProcessMs, FitRun run, string difference, string result)
{
    // The passes that repeat (an iteration's evaluations and Hessians, or the one accumulate pass), each stage on its own.
    var stages = run.Passes.Where(p => p.Stage is not ("Describe" or "Load")).GroupBy(p => p.Stage)
        .Select(g => $"{g.Key} {Bytes(g.Average(p => (double)p.PayloadBytesReceived))}");
    var sent = run.Passes.Where(p => p.PayloadBytesSent > 0).Select(p => (double)p.PayloadBytesSent).DefaultIfEmpty(0).Average();
    return
    [
        name, inProcessMs.ToString("N0", CultureInfo.InvariantCulture), run.Milliseconds.ToString("N0", CultureInfo.InvariantCulture),
        run.Passes.Count.ToString(CultureInfo.InvariantCulture), (run.Passes.LastOrDefault()?.Retries ?? 0).ToString(CultureInfo.InvariantCulture),
        Bytes(sent), string.Join("; ", stages), difference, result,
    ];
}

static string Bytes(double bytes) => bytes < 10_000 ? $"{bytes:N0} B" : $"{bytes / 1024:N1} KiB";

static void PrintTable(string[][] rows)
{
    var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
    string Line(string[] r) => "| " + string.Join(" | ", r.Select((v, c) => c == 0 || c >= 6 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))) + " |";
    Console.WriteLine(Line(rows[0]));
    Console.WriteLine("|" + string.Join("|", widths.Select((w, c) => c == 0 || c >= 6 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
    foreach (var r in rows.Skip(1)) Console.WriteLine(Line(r));
}

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
int IntOption(string name, int fallback) => Option(name) is { } v ? ParseInt(v) : fallback;
static int ParseInt(string text) => int.Parse(text, CultureInfo.InvariantCulture);

/// <summary>The passes of one distributed fit, as its progress reports them.</summary>
internal sealed class FitRun(Action<DistributedFitProgress>? onPass) : IProgress<DistributedFitProgress>
{
    public List<DistributedFitProgress> Passes { get; } = [];
    public double Milliseconds { get; set; }

    public void Report(DistributedFitProgress value)
    {
        Passes.Add(value);
        onPass?.Invoke(value);
    }
}
