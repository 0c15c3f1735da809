// Measured scale of the distributed fit. Every configuration starts a cluster of S silos in this process talking over real
// TCP sockets on loopback (2 cores shared by all of them and the client), writes CSV shards, and fits over them and in process
// on the same rows. Reported per configuration: fit times, passes, the median wall time of a GLM evaluation pass over the
// shards against one in-process evaluation over all rows (the difference is the messaging overhead per pass), the numeric
// payload per pass from the fit's progress, and the bytes Orleans put on the wire per pass (its message-size meters, headers
// and the cluster's own traffic during the pass included).
//   dotnet run -c Release --project tests/MlNetExtensions.Orleans.Benchmarks [-- --rows 40000 --quick]
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions;
using MlNetExtensions.Data;
using MlNetExtensions.Numerics.Glm;
using Orleans.TestingHost;

int rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(40_000);
bool quick = args.Contains("--quick");
using var wire = new WireBytes();
var results = new List<string>();
Console.WriteLine($"rows = {rows:N0}; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| silos | shards | d | fit | in-process ms | over shards ms | passes | evaluation pass ms (median) | in-process evaluation ms | overhead per pass ms | payload sent per pass | payload received per pass | wire bytes per pass |");
Console.WriteLine("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

var grid = new List<(int Silos, int Shards, int D)>();
foreach (int silos in quick ? new[] { 2 } : [2, 4, 8]) grid.Add((silos, 8, 50));
foreach (int shards in quick ? new[] { 4 } : [4, 16, 32]) grid.Add((4, shards, 50));
foreach (int d in quick ? new[] { 10 } : [10, 200]) grid.Add((4, 8, d));
foreach (var group in grid.GroupBy(g => g.Silos))
{
    var builder = new TestClusterBuilder((short)group.Key);
    builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
    var cluster = builder.Build();
    await cluster.DeployAsync();
    try
    {
        foreach (var (silos, shards, d) in group)
        {
            using var data = BenchmarkData.Write(shards, rows, d, seed: 7);
            await RunAsync(cluster, data, silos, shards, d, "linear");
            await RunAsync(cluster, data, silos, shards, d, "Newton");
            await RunAsync(cluster, data, silos, shards, d, "L-BFGS");
        }
    }
    finally
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }
}
return 0;

async Task RunAsync(TestCluster cluster, BenchmarkData data, int silos, int shards, int d, string fit)
{
    var ml = new MLContext(seed: 0);
    var passes = new List<(DistributedFitProgress Progress, long Wire)>();
    long wireAtStart = 0;
    var progress = new Reporter(p => { lock (passes) passes.Add((p, wire.Total - wireAtStart)); wireAtStart = wire.Total; });
    var distributedOptions = new DistributedFitOptions { Progress = progress };
    var clock = Stopwatch.StartNew();
    double inProcessMs, distributedMs;
    var all = data.LoadAll(ml);
    if (fit == "linear")
    {
        var options = new ClosedFormLinearRegressionTrainer.Options { LabelColumnName = "Y" };
        ml.Regression.Trainers.ClosedFormLinearRegression(options).Fit(all); // warm-up
        clock.Restart();
        ml.Regression.Trainers.ClosedFormLinearRegression(options).Fit(all);
        inProcessMs = clock.Elapsed.TotalMilliseconds;
        await cluster.Client.FitClosedFormLinearRegressionAsync(data.Source, options); // warm-up
        wireAtStart = wire.Total;
        passes.Clear();
        clock.Restart();
        await cluster.Client.FitClosedFormLinearRegressionAsync(data.Source, options, distributedOptions);
        distributedMs = clock.Elapsed.TotalMilliseconds;
    }
    else
    {
        var options = new BceLogisticRegressionTrainer.Options
        {
            LabelColumnName = "Click",
            L2Regularization = 1e-4,
            ComputeStatistics = false,
            Optimizer = fit == "Newton" ? LogisticOptimizer.Newton : LogisticOptimizer.Lbfgs,
        };
        ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(all);
        clock.Restart();
        ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(all);
        inProcessMs = clock.Elapsed.TotalMilliseconds;
        await cluster.Client.FitBceLogisticRegressionAsync(data.Source, options);
        wireAtStart = wire.Total;
        passes.Clear();
        clock.Restart();
        await cluster.Client.FitBceLogisticRegressionAsync(data.Source, options, distributedOptions);
        distributedMs = clock.Elapsed.TotalMilliseconds;
    }
    var evaluations = passes.Where(p => p.Progress.Stage == "Evaluate").ToArray();
    var repeated = fit == "linear" ? passes.Where(p => p.Progress.Stage == "Accumulate").ToArray()
        : passes.Where(p => p.Progress.Stage is "Evaluate" or "Hessian").ToArray();
    string evaluationMs = "", inProcessEvaluationMs = "", overhead = "";
    if (evaluations.Length > 0)
    {
        double median = Median(evaluations.Select(p => p.Progress.Elapsed.TotalMilliseconds));
        double local = InProcessEvaluationMs(ml, all, d);
        (evaluationMs, inProcessEvaluationMs, overhead) = (F(median, 2), F(local, 2), F(median - local, 2));
    }
    string Stages(Func<(DistributedFitProgress Progress, long Wire), double> value) => string.Join("; ",
        repeated.GroupBy(p => p.Progress.Stage).Select(g => $"{g.Key} {Bytes(g.Average(value))}"));
    Console.WriteLine($"| {silos} | {shards} | {d} | {fit} | {F(inProcessMs, 0)} | {F(distributedMs, 0)} | {passes.Count} | {evaluationMs} | " +
        $"{inProcessEvaluationMs} | {overhead} | {Stages(p => p.Progress.PayloadBytesSent)} | {Stages(p => p.Progress.PayloadBytesReceived)} | {Stages(p => p.Wire)} |");
}

// One evaluation of the in-process objective over all rows (the work a pass over the shards splits up), median of 15.
static double InProcessEvaluationMs(MLContext ml, IDataView all, int d)
{
    var env = MlNetExtensions.Interop.MlNetInternals.EnvironmentOf(ml);
    var reader = TrainingDataReader.Create(all, "Click", "Features", null, LabelKind.Binary, FeatureLayout.Dense);
    var set = reader.ReadAll(env, null, MemoryBudget.Default);
    var objective = new GlmObjective<LogisticLoss>(set.Features, set.Labels, null, set.Count, 1e-4, Environment.ProcessorCount);
    var theta = new double[d + 1];
    var gradient = new double[d + 1];
    var times = new List<double>();
    for (int i = 0; i < 16; i++)
    {
        var clock = Stopwatch.StartNew();
        objective.Evaluate(theta, gradient);
        if (i > 0) times.Add(clock.Elapsed.TotalMilliseconds);
    }
    return Median(times);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.OrderBy(v => v).ToArray();
    return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string F(double value, int decimals) => value.ToString("N" + decimals, CultureInfo.InvariantCulture);
static string Bytes(double bytes) => bytes < 10_000 ? $"{bytes:N0} B" : bytes < 10_000_000 ? $"{bytes / 1024:N1} KiB" : $"{bytes / 1048576:N1} MiB";

/// <summary>Orleans' messages on the wire: the sum of its sent-message-size histogram (every silo and the client in this process).</summary>
internal sealed class WireBytes : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public WireBytes()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "orleans-messaging-sent-messages-size") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _total, value));
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();
}

/// <summary>Runs the handler on the reporting thread.</summary>
internal sealed class Reporter(Action<DistributedFitProgress> handler) : IProgress<DistributedFitProgress>
{
    public void Report(DistributedFitProgress value) => handler(value);
}

/// <summary>CSV shards of a generated set: d features, a target Y and a click label.</summary>
internal sealed class BenchmarkData : IDisposable
{
    private BenchmarkData(string directory, string[] shards, int d) { Directory = directory; Shards = shards; D = d; }

    public string Directory { get; }
    public string[] Shards { get; }
    public int D { get; }

    private TextLoader.Column[] Columns =>
        [new("Features", DataKind.Single, 0, D - 1), new("Y", DataKind.Single, D), new("Click", DataKind.Boolean, D + 1)];

    public ShardedDataSource Source => ShardedDataSource.FromTextFiles(Shards, Columns, separatorChar: ',', hasHeader: true);

    public IDataView LoadAll(MLContext ml) => ml.Data.CreateTextLoader(Columns, separatorChar: ',', hasHeader: true).Load(new MultiFileSource(Shards));

    public static BenchmarkData Write(int shardCount, int rows, int d, int seed)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-orleans-benchmark-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var rng = new Random(seed);
        var theta = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var shards = new string[shardCount];
        var line = new System.Text.StringBuilder();
        for (int s = 0; s < shardCount; s++)
        {
            shards[s] = Path.Combine(directory, $"part-{s:D3}.csv");
            using var writer = new StreamWriter(shards[s]);
            writer.WriteLine(string.Join(",", Enumerable.Range(0, d).Select(j => $"x{j}").Append("Y").Append("Click")));
            for (int i = s; i < rows; i += shardCount)
            {
                line.Clear();
                double score = 0;
                for (int j = 0; j < d; j++)
                {
                    float x = (float)(rng.NextDouble() * 2 - 1);
                    score += theta[j] * x / Math.Sqrt(d);
                    line.Append(x.ToString("R", CultureInfo.InvariantCulture)).Append(',');
                }
                line.Append(((float)(score + 0.1 * rng.NextDouble())).ToString("R", CultureInfo.InvariantCulture)).Append(',')
                    .Append(rng.NextDouble() < 1 / (1 + Math.Exp(-3 * score)) ? '1' : '0');
                writer.WriteLine(line);
            }
        }
        return new BenchmarkData(directory, shards, d);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
