using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions;

/// <summary>One contender of a comparison: a display name and an estimator (a trainer or a whole pipeline).</summary>
/// <param name="Name">Shown in the report.</param>
/// <param name="Estimator">Fitted on the training data (or each fold).</param>
public sealed record TrainerCandidate(string Name, IEstimator<ITransformer> Estimator);

/// <summary>What a comparison is doing with a candidate.</summary>
public enum TrainerComparisonStage
{
    /// <summary>Fitting it (after a warm-up fit).</summary>
    Fitting,
    /// <summary>Evaluating it on the test data.</summary>
    Evaluating,
    /// <summary>Finished with it.</summary>
    Done,
    /// <summary>It threw; the others still run.</summary>
    Failed,
}

/// <summary>Where a running comparison is.</summary>
/// <param name="Index">0-based index of the candidate being worked on.</param>
/// <param name="Count">Number of candidates.</param>
/// <param name="Name">The candidate's name.</param>
/// <param name="Stage">What is being done with it.</param>
public sealed record TrainerComparisonProgress(int Index, int Count, string Name, TrainerComparisonStage Stage);

/// <summary>What one candidate scored.</summary>
public sealed class TrainerComparisonResult
{
    internal TrainerComparisonResult(string name, IReadOnlyDictionary<string, double> metrics, TimeSpan fitTime,
        double? scoringRowsPerSecond, long? modelSizeBytes, string? error)
    {
        Name = name;
        Metrics = metrics;
        FitTime = fitTime;
        ScoringRowsPerSecond = scoringRowsPerSecond;
        ModelSizeBytes = modelSizeBytes;
        Error = error;
    }

    /// <summary>The candidate's name.</summary>
    public string Name { get; }

    /// <summary>The task's standard ML.NET metrics by name (averaged over folds when cross-validated).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Wall time of one fit (the mean over folds when cross-validated).</summary>
    public TimeSpan FitTime { get; }

    /// <summary>Rows scored per second by <c>Transform</c> plus a full cursor pass over the score; null when cross-validated or failed.</summary>
    public double? ScoringRowsPerSecond { get; }

    /// <summary>Size of the saved ML.NET zip in bytes; null when the model cannot be saved, when cross-validated, or failed.</summary>
    public long? ModelSizeBytes { get; }

    /// <summary>The failure message when the candidate threw (its metrics are then empty).</summary>
    public string? Error { get; }
}

/// <summary>A table of candidates × metrics, with fit time, scoring throughput and model size; renders to Markdown or text.</summary>
public sealed class TrainerComparisonReport
{
    internal TrainerComparisonReport(string title, IReadOnlyList<string> metricNames, IReadOnlyList<TrainerComparisonResult> results)
    {
        Title = title;
        MetricNames = metricNames;
        Results = results;
    }

    /// <summary>What was compared, on what data.</summary>
    public string Title { get; }

    /// <summary>The metric columns, in order.</summary>
    public IReadOnlyList<string> MetricNames { get; }

    /// <summary>One result per candidate, in the order given.</summary>
    public IReadOnlyList<TrainerComparisonResult> Results { get; }

    /// <summary>The report as a Markdown table.</summary>
    public string ToMarkdown()
    {
        var header = new List<string> { "trainer" };
        header.AddRange(MetricNames);
        header.AddRange(["fit ms", "scoring rows/s", "model KiB"]);
        var rows = Results.Select(r =>
        {
            var cells = new List<string> { r.Name };
            if (r.Error is not null)
            {
                cells.AddRange(MetricNames.Select(_ => "—"));
                cells.AddRange(["failed: " + r.Error.Split('\n')[0], "", ""]);
                return cells.ToArray();
            }
            cells.AddRange(MetricNames.Select(m => r.Metrics.TryGetValue(m, out var v) ? Format(v, "F4") : "—"));
            cells.Add(Format(r.FitTime.TotalMilliseconds, "F1"));
            cells.Add(r.ScoringRowsPerSecond is { } rate ? Format(rate, "N0") : "—");
            cells.Add(r.ModelSizeBytes is { } size ? Format(size / 1024.0, "F1") : "—");
            return cells.ToArray();
        }).ToList();
        var widths = header.Select((_, c) => Math.Max(header[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(Title).AppendLine();
        sb.AppendLine("| " + string.Join(" | ", header.Select((h, c) => h.PadRight(widths[c]))) + " |");
        sb.AppendLine("|" + string.Join("|", widths.Select((w, c) => c == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var r in rows)
            sb.AppendLine("| " + string.Join(" | ", r.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))) + " |");
        return sb.ToString();
    }

    /// <inheritdoc cref="ToMarkdown"/>
    public override string ToString() => ToMarkdown();

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Runs the comparisons behind the <c>CompareTrainers</c> catalog methods.</summary>
internal static class TrainerComparisonRunner
{
    /// <summary>Scoring is repeated until this much time has passed, so that tiny test sets still give a stable rate.</summary>
    private static readonly TimeSpan MinimumScoringTime = TimeSpan.FromMilliseconds(50);

    private const int WarmUpRows = 100;

    public static TrainerComparisonReport HoldOut(string title, IReadOnlyList<string> metricNames, IDataView train, IDataView test,
        IReadOnlyList<TrainerCandidate> candidates, Func<IDataView, IReadOnlyDictionary<string, double>> evaluate,
        IProgress<TrainerComparisonProgress>? progress)
    {
        Check(train, candidates);
        ArgumentNullException.ThrowIfNull(test);
        var results = new List<TrainerComparisonResult>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var (name, estimator) = (candidates[i].Name, candidates[i].Estimator);
            try
            {
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Fitting));
                WarmUp(estimator, train);
                var clock = Stopwatch.StartNew();
                var model = estimator.Fit(train);
                var fitTime = clock.Elapsed;
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Evaluating));
                var metrics = evaluate(model.Transform(test));
                double rate = ScoringRate(model, test);
                long? size = SavedSize(model, train.Schema);
                results.Add(new TrainerComparisonResult(name, metrics, fitTime, rate, size, null));
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Done));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                results.Add(new TrainerComparisonResult(name, new Dictionary<string, double>(), TimeSpan.Zero, null, null, e.Message));
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Failed));
            }
        }
        return new TrainerComparisonReport(title, metricNames, results);
    }

    public static TrainerComparisonReport CrossValidated<TMetrics>(string title, IReadOnlyList<string> metricNames, IDataView data,
        IReadOnlyList<TrainerCandidate> candidates,
        Func<IDataView, IEstimator<ITransformer>, IReadOnlyList<TrainCatalogBase.CrossValidationResult<TMetrics>>> crossValidate,
        Func<TMetrics, IReadOnlyDictionary<string, double>> metrics, IProgress<TrainerComparisonProgress>? progress)
        where TMetrics : class
    {
        Check(data, candidates);
        var results = new List<TrainerComparisonResult>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var (name, estimator) = (candidates[i].Name, candidates[i].Estimator);
            try
            {
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Fitting));
                var clock = Stopwatch.StartNew();
                var folds = crossValidate(data, estimator);
                var perFold = folds.Select(f => metrics(f.Metrics)).ToList();
                // A metric some fold lacks (log-loss of an uncalibrated trainer) is left out rather than averaged as NaN.
                var mean = metricNames.Where(m => perFold.All(f => f.ContainsKey(m))).ToDictionary(m => m, m => perFold.Average(f => f[m]));
                results.Add(new TrainerComparisonResult(name, mean, clock.Elapsed / Math.Max(1, folds.Count), null, null, null));
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Done));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                results.Add(new TrainerComparisonResult(name, new Dictionary<string, double>(), TimeSpan.Zero, null, null, e.Message));
                progress?.Report(new(i, candidates.Count, name, TrainerComparisonStage.Failed));
            }
        }
        return new TrainerComparisonReport(title, metricNames, results);
    }

    /// <summary>
    /// One fit on the first rows before the timed fit, so that the fit time measures training rather than the JIT and
    /// first-use costs, which would otherwise fall on whichever candidate happens to run first.
    /// </summary>
    private static void WarmUp(IEstimator<ITransformer> estimator, IDataView train)
    {
        try
        {
            estimator.Fit(new MLContext(seed: 0).Data.TakeRows(train, WarmUpRows));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Too few rows for this trainer: the timed fit reports any real problem.
        }
    }

    private static void Check(IDataView data, IReadOnlyList<TrainerCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0) throw new ArgumentException("Give at least one candidate to compare.", nameof(candidates));
        foreach (var c in candidates)
        {
            if (c?.Estimator is null) throw new ArgumentException("Every candidate needs an estimator.", nameof(candidates));
            if (string.IsNullOrWhiteSpace(c.Name)) throw new ArgumentException("Every candidate needs a name.", nameof(candidates));
        }
    }

    private static double ScoringRate(ITransformer model, IDataView test)
    {
        long rows = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            var scored = model.Transform(test);
            var score = scored.Schema["Score"];
            using var cursor = scored.GetRowCursor([score]);
            var getter = MakeTouch(cursor, score);
            while (cursor.MoveNext())
            {
                getter();
                rows++;
            }
        } while (clock.Elapsed < MinimumScoringTime && rows > 0);
        return rows / clock.Elapsed.TotalSeconds;
    }

    private static Action MakeTouch(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var g = cursor.GetGetter<VBuffer<float>>(column);
            var v = default(VBuffer<float>);
            return () => g(ref v);
        }
        var s = cursor.GetGetter<float>(column);
        float f = 0;
        return () => s(ref f);
    }

    private static long? SavedSize(ITransformer model, DataViewSchema schema)
    {
        try
        {
            using var stream = new MemoryStream();
            new MLContext().Model.Save(model, schema, stream);
            return stream.Length;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }
}
