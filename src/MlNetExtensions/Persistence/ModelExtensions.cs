using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork;

namespace MlNetExtensions.Persistence;

/// <summary>
/// Finds this library's data for every transformer of a model, at any nesting depth, and puts it back after a load. A
/// transformer's data lives in an <see cref="ExtensionEntry"/> in the transformer's own zip directory, which is where
/// ML.NET saves it: <c>TransformerChain</c> for the saved model, <c>…/Transform_00i</c> for element i of a chain.
/// </summary>
/// <remarks>
/// Two writers fill those entries. An MLP writes its own from <c>ICanSaveModel.Save</c>, so plain <c>Model.Save</c> keeps
/// it. ML.NET's own linear models cannot be made to write anything, so <see cref="AddTo"/> (run by
/// <c>SaveWithExtensions</c> and <c>SaveWithChecksum</c> after ML.NET's save) walks the model as ML.NET saved it and adds
/// the statistics attached to each linear model to that model's directory.
/// </remarks>
internal static partial class ModelExtensions
{
    /// <summary>The zip directory under which <c>Model.Save(model, schema, …)</c> puts the model.</summary>
    public const string RootDirectory = "TransformerChain";

    [GeneratedRegex(@"^TransformerChain/Transform_\d{3}/Model\.key$")]
    private static partial Regex RootChainElement();

    /// <summary>Adds the statistics attached to the linear models in <paramref name="model"/> to the zip ML.NET saved it in.</summary>
    public static void AddTo(ITransformer model, Stream zipStream)
    {
        var found = new Dictionary<string, List<ExtensionSection>>(StringComparer.Ordinal);
        Collect(model, RootDirectory, found);
        if (found.Count == 0) return;
        zipStream.Position = 0;
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Update, leaveOpen: true);
        foreach (var (directory, sections) in found)
        {
            string name = directory + "/" + ExtensionEntry.FileName;
            var all = new List<ExtensionSection>();
            if (zip.GetEntry(name) is { } existing)
            {
                all.AddRange(ExtensionEntry.Read(ReadAll(existing, name), name));
                existing.Delete();
            }
            all.AddRange(sections);
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(ExtensionEntry.ToBytes(all));
        }
    }

    private static void Collect(ITransformer transformer, string directory, Dictionary<string, List<ExtensionSection>> found)
    {
        if (MlNetInternals.TryGetChainElements(transformer, out var elements, out _))
        {
            for (int i = 0; i < elements.Length; i++) Collect(elements[i], ElementDirectory(directory, i), found);
            return;
        }
        if (transformer is not ISingleFeaturePredictionTransformer<object> prediction) return;
        var sections = new List<ExtensionSection>();
        if (prediction.Model is LinearRegressionModelParameters linear)
        {
            if (LinearRegressionModelExtensions.FindAttached(linear) is { } linearStatistics)
                sections.Add(StatisticsSections.Write(linearStatistics));
            if (LinearRegressionModelExtensions.FindSufficientStatistics(linear) is { } sums)
                sections.Add(StatisticsSections.Write(sums.ExportState()));
        }
        if (prediction.Model is PoissonRegressionModelParameters poisson
            && PoissonRegressionModelExtensions.FindAttached(poisson) is { } poissonStatistics)
            sections.Add(StatisticsSections.Write(poissonStatistics));
        if (LogisticModel(prediction.Model) is { } logistic
            && LogisticRegressionModelExtensions.TryGetAttached(logistic, out var report, out var logisticStatistics))
        {
            if (report is not null) sections.Add(StatisticsSections.Write(report));
            if (logisticStatistics is not null) sections.Add(StatisticsSections.Write(logisticStatistics));
        }
        if (sections.Count > 0) found[directory] = sections;
    }

    /// <summary>
    /// Restores every transformer of ours in <paramref name="loaded"/> (what ML.NET's <c>Model.Load</c> returned for the zip
    /// in <paramref name="zipBytes"/>) and re-attaches the statistics of ML.NET's linear models.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry of ours is damaged, of a newer format, or does not fit the loaded model;
    /// the message names the entry.</exception>
    public static ITransformer Restore(IHostEnvironment env, ITransformer loaded, byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes, writable: false), ZipArchiveMode.Read);
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
            if (entry.Name == ExtensionEntry.FileName && entry.FullName.Length > entry.Name.Length)
                entries[entry.FullName[..^(entry.Name.Length + 1)]] = entry;
        if (entries.Count == 0) return loaded;

        // Saved with a data loader, Model.Load returns the loader's chain, or its one element when it has only one.
        bool loaderLayout = zip.GetEntry("Model.key") is not null;
        var used = new HashSet<string>(StringComparer.Ordinal);
        if (loaderLayout && zip.Entries.Count(e => RootChainElement().IsMatch(e.FullName)) == 1)
            loaded = Restore(env, loaded, RootDirectory + "/Transform_000", entries, used);
        else
            loaded = Restore(env, loaded, RootDirectory, entries, used);

        var orphan = entries.Keys.FirstOrDefault(k => !used.Contains(k));
        if (orphan is not null)
            throw new InvalidDataException(
                $"The model entry '{orphan}/{ExtensionEntry.FileName}' belongs to no transformer of the loaded model (the zip was changed " +
                "after it was saved). The ML.NET part of the model still loads with Model.Load.");
        return loaded;
    }

    private static ITransformer Restore(IHostEnvironment env, ITransformer transformer, string directory,
        Dictionary<string, ZipArchiveEntry> entries, HashSet<string> used)
    {
        if (entries.TryGetValue(directory, out var entry))
        {
            used.Add(directory);
            string name = entry.FullName;
            return Apply(env, transformer, ExtensionEntry.Read(ReadAll(entry, name), name), name);
        }
        if (!MlNetInternals.TryGetChainElements(transformer, out var elements, out var scopes)) return transformer;
        bool changed = false;
        for (int i = 0; i < elements.Length; i++)
        {
            var restored = Restore(env, elements[i], ElementDirectory(directory, i), entries, used);
            changed |= !ReferenceEquals(restored, elements[i]);
            elements[i] = restored;
        }
        return changed ? new TransformerChain<ITransformer>(elements, scopes) : transformer;
    }

    private static ITransformer Apply(IHostEnvironment env, ITransformer transformer, IReadOnlyList<ExtensionSection> sections, string name)
    {
        foreach (var section in sections)
        {
            switch (section.Kind)
            {
                case MlpModelParametersFormat.SectionKind:
                    ExtensionEntry.CheckVersion(section, MlpModelParametersFormat.Version, name);
                    var metadata = MlpModelParametersFormat.Read(section.Payload, section.Version, $"The model entry '{name}'");
                    transformer = MlpSavedModelBuilder.Restore(env, transformer, metadata, name);
                    break;
                case StatisticsSections.LinearRegressionStatisticsKind:
                    var linear = (transformer as ISingleFeaturePredictionTransformer<object>)?.Model as LinearRegressionModelParameters
                        ?? throw NotFor(name, section, "a linear regression model", transformer);
                    var linearStatistics = StatisticsSections.ReadLinear(section, name);
                    CheckDescribes(name, section, linearStatistics.Coefficients, linear.Bias, linear.Weights);
                    LinearRegressionModelExtensions.Attach(linear, linearStatistics);
                    break;
                case StatisticsSections.LinearRegressionSufficientStatisticsKind:
                    var solved = (transformer as ISingleFeaturePredictionTransformer<object>)?.Model as LinearRegressionModelParameters
                        ?? throw NotFor(name, section, "a linear regression model", transformer);
                    var state = StatisticsSections.ReadSufficientStatistics(section, name);
                    if (state.FeatureCount != solved.Weights.Count)
                        throw new InvalidDataException(
                            $"The model entry '{name}': its '{section.Kind}' section is for {state.FeatureCount} features, the model beside it has " +
                            $"{solved.Weights.Count} weights (the zip was changed after it was saved). The ML.NET part of the model still loads with Model.Load.");
                    LinearRegressionModelExtensions.AttachSufficientStatistics(solved, Numerics.NormalEquationAccumulator.FromState(state));
                    break;
                case StatisticsSections.PoissonRegressionStatisticsKind:
                    var poisson = (transformer as ISingleFeaturePredictionTransformer<object>)?.Model as PoissonRegressionModelParameters
                        ?? throw NotFor(name, section, "a Poisson regression model", transformer);
                    var poissonStatistics = StatisticsSections.ReadPoisson(section, name);
                    CheckDescribes(name, section, poissonStatistics.Coefficients, poisson.Bias, poisson.Weights);
                    PoissonRegressionModelExtensions.Attach(poisson, poissonStatistics);
                    break;
                case StatisticsSections.LogisticRegressionStatisticsKind or StatisticsSections.LogisticRegressionReportKind:
                    var logistic = LogisticModel((transformer as ISingleFeaturePredictionTransformer<object>)?.Model)
                        ?? throw NotFor(name, section, "a logistic regression model", transformer);
                    LogisticRegressionModelExtensions.TryGetAttached(logistic, out var report, out var statistics);
                    if (section.Kind == StatisticsSections.LogisticRegressionReportKind)
                        report = StatisticsSections.ReadReport(section, name);
                    else
                    {
                        statistics = StatisticsSections.ReadLogistic(section, name);
                        CheckDescribes(name, section, statistics.Coefficients, logistic.Bias, logistic.Weights);
                    }
                    if (report is not null) LogisticRegressionModelExtensions.Attach(logistic, report, statistics);
                    break;
                default:
                    break; // a kind added by a newer version: its data is not for this one
            }
        }
        return transformer;
    }

    private static LinearBinaryModelParameters? LogisticModel(object? model) => model switch
    {
        LinearBinaryModelParameters binary => binary,
        CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator> calibrated => calibrated.SubModel,
        _ => null,
    };

    /// <summary>The statistics' double coefficients must round to the model's Single bias and weights.</summary>
    private static void CheckDescribes(string name, ExtensionSection section, IReadOnlyList<double> coefficients, float bias, IReadOnlyList<float> weights)
    {
        bool same = coefficients.Count == weights.Count + 1 && (float)coefficients[0] == bias;
        for (int i = 0; same && i < weights.Count; i++) same = (float)coefficients[i + 1] == weights[i];
        if (!same)
            throw new InvalidDataException(
                $"The model entry '{name}': its '{section.Kind}' section describes other coefficients than the model saved beside it " +
                "(the zip was changed after it was saved). The ML.NET part of the model still loads with Model.Load.");
    }

    private static InvalidDataException NotFor(string name, ExtensionSection section, string expected, ITransformer actual)
        => new($"The model entry '{name}' holds a '{section.Kind}' section, but ML.NET loaded a {actual.GetType().Name} there, " +
               $"not {expected} (the zip was changed after it was saved).");

    private static string ElementDirectory(string chainDirectory, int index) => $"{chainDirectory}/Transform_{index:000}";

    private static byte[] ReadAll(ZipArchiveEntry entry, string name)
    {
        try
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException(
                $"The model entry '{name}' is damaged: {e.Message} The ML.NET part of the model still loads with Model.Load.", e);
        }
    }
}
