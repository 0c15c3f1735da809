using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Distributed.Tests.Support;
using Parquet;
using Parquet.Schema;
using Xunit.Abstractions;

namespace MlNetExtensions.Distributed.Tests;

/// <summary>Shards as Parquet files, through a saved featurization pipeline, and the ML.NET objects a distributed fit returns.</summary>
[Collection(SharedCluster.Name)]
public class SourceTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task FitBceLogisticRegressionAsync_SavedFeaturizationPipeline_FeaturizesEveryShardAsInProcessAndStaysSparse()
    {
        // Raw rows: three numbers and a category of 40 levels; the pipeline (fitted on shard 0 alone, as on a sample)
        // normalises the numbers and one-hot encodes the category: d = 43 with 4 non-zeros a row, which the reader holds sparse.
        var rng = new Random(3);
        var shards = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 300).Select(_ =>
        {
            double a = rng.NextDouble() * 10, b = rng.NextDouble() - 0.5, c = rng.NextDouble() * 100;
            int level = rng.Next(40);
            double score = 0.3 * (a - 5) - 2 * b + 0.02 * (c - 50) + (level % 5 - 2) * 0.5;
            int label = rng.NextDouble() < 1 / (1 + Math.Exp(-score)) ? 1 : 0;
            return string.Create(CultureInfo.InvariantCulture, $"{a:R},{b:R},{c:R},level{level},{label}");
        }).ToList()).ToList();
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-orleans-featurize-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            const string header = "a,b,c,category,y";
            var paths = shards.Select((lines, s) => Path.Combine(directory, $"shard-{s}.csv")).ToArray();
            for (int s = 0; s < paths.Length; s++) File.WriteAllLines(paths[s], shards[s].Prepend(header));
            string all = Path.Combine(directory, "all.csv");
            File.WriteAllLines(all, shards.SelectMany(l => l).Prepend(header));
            TextLoader.Column[] columns =
            [
                new("a", DataKind.Single, 0), new("b", DataKind.Single, 1), new("c", DataKind.Single, 2),
                new("category", DataKind.String, 3), new("Label", DataKind.Boolean, 4),
            ];

            var ml = new MLContext(seed: 0);
            var sample = ml.Data.LoadFromTextFile(paths[0], columns, separatorChar: ',', hasHeader: true);
            var featurization = ml.Transforms.Concatenate("Numbers", "a", "b", "c")
                .Append(ml.Transforms.NormalizeMeanVariance("Numbers"))
                .Append(ml.Transforms.Categorical.OneHotEncoding("Category", "category"))
                .Append(ml.Transforms.Concatenate("Features", "Numbers", "Category"))
                .Fit(sample);
            string modelPath = Path.Combine(directory, "featurization.zip");
            ml.Model.Save(featurization, sample.Schema, modelPath);

            var options = new BceLogisticRegressionTrainer.Options { L2Regularization = 1e-3, GradientTolerance = 1e-8 };
            var layouts = new List<string>();
            var logged = new MLContext(seed: 0);
            logged.Log += (_, e) => { if (e.Message.Contains("Feature layout")) lock (layouts) layouts.Add(e.Message); };
            var source = ShardedDataSource.FromTextFiles(paths, columns, separatorChar: ',', hasHeader: true, featurizationModelPath: modelPath);
            var distributed = await cluster.Client.FitBceLogisticRegressionAsync(source, options, new DistributedFitOptions { MLContext = logged });
            var inProcess = logged.BinaryClassification.Trainers.BceLogisticRegression(options)
                .Fit(featurization.Transform(ml.Data.LoadFromTextFile(all, columns, separatorChar: ',', hasHeader: true)));

            output.WriteLine(string.Join(Environment.NewLine, layouts));
            Assert.Equal(2, layouts.Count(l => l.Contains("Sparse")));
            Assert.Equal(43, distributed.Model.SubModel.Weights.Count);
            double expected = inProcess.Model.SubModel.GetTrainingReport().Objective, actual = distributed.Model.SubModel.GetTrainingReport().Objective;
            output.WriteLine($"objective {expected:R} in process, {actual:R} over shards");
            Assert.True(Math.Abs(expected - actual) <= 1e-9 * expected);
            Assert.Equal(inProcess.FeatureColumnType, distributed.FeatureColumnType);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task FitClosedFormLinearRegressionAsync_ParquetShards_EqualTheCsvShardsOfTheSameRows()
    {
        using var files = ShardFiles.Generate("parquet", [200, 150, 300, 250, 100, 220], featureCount: 4, binary: false, seed: 13);
        var parquet = new string[files.Shards.Length];
        for (int s = 0; s < parquet.Length; s++)
        {
            parquet[s] = Path.ChangeExtension(files.Shards[s], ".parquet");
            await WriteParquetAsync(parquet[s], files.Lines(s), files.FeatureCount, rowGroups: s == 2 ? 3 : 1);
        }
        var options = new ClosedFormLinearRegressionTrainer.Options { ExampleWeightColumnName = "Weight" };
        ParquetColumn[] columns = [new("Features", "f0", "f1", "f2", "f3"), new("Label"), new("Weight")];

        var fromParquet = await cluster.Client.FitClosedFormLinearRegressionAsync(ShardedDataSource.FromParquetFiles(parquet, columns), options);
        var ml = new MLContext(seed: 0);
        var inProcess = ml.Regression.Trainers.ClosedFormLinearRegression(options).Fit(files.LoadAll(ml));

        Assert.Equal(inProcess.Model.Weights, fromParquet.Model.Weights);
        Assert.Equal(inProcess.Model.Bias, fromParquet.Model.Bias);
        Assert.Equal(inProcess.Model.GetStatistics().Count, fromParquet.Model.GetStatistics().Count);

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(
            ShardedDataSource.FromParquetFiles(parquet, [new("Features", "f0", "f9"), new("Label")]), options));
        Assert.Contains("'f9'", e.Error);

        // Read whole: 40 bytes a row (the four Singles of Features twice, Label, Weight); shard 2's 300 rows are over 10,000.
        var overBudget = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(
            ShardedDataSource.FromParquetFiles(parquet, columns), new() { ExampleWeightColumnName = "Weight", MemoryBudgetBytes = 10_000 }));
        Assert.Equal(2, overBudget.ShardIndex);
        Assert.Equal(typeof(InvalidOperationException).FullName, overBudget.ErrorType);
        Assert.Contains("Parquet shard", overBudget.Error);
        Assert.Contains("(300 rows, 3 columns)", overBudget.Error);
        Assert.Contains("12,000 bytes", overBudget.Error);
    }

    [Fact]
    public async Task DistributedModels_AreTheInProcessTrainersObjects_AndSaveLoadAndScoreLikeThem()
    {
        using var files = ShardFiles.Generate("objects", [200, 300, 250, 150, 100, 200], featureCount: 3, binary: true, seed: 17);
        var ml = new MLContext(seed: 0);
        var all = files.LoadAll(ml);

        var linearOptions = new ClosedFormLinearRegressionTrainer.Options();
        var linear = await cluster.Client.FitClosedFormLinearRegressionAsync(files.Source, linearOptions);
        Assert.IsType<RegressionPredictionTransformer<LinearRegressionModelParameters>>(linear);
        var linearInProcess = ml.Regression.Trainers.ClosedFormLinearRegression(linearOptions).Fit(all);
        Assert.Equal(Scores(ml, linearInProcess, all), Scores(ml, Reload(ml, linear, all), all));

        var logisticOptions = new BceLogisticRegressionTrainer.Options { L2Regularization = 1e-3 };
        var logistic = await cluster.Client.FitBceLogisticRegressionAsync(files.Source, logisticOptions);
        Assert.IsType<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>(logistic);
        Assert.IsType<LinearModelParameterStatistics>(logistic.Model.SubModel.Statistics);
        var logisticInProcess = ml.BinaryClassification.Trainers.BceLogisticRegression(logisticOptions).Fit(all);
        var expected = Scores(ml, logisticInProcess, all, "Probability");
        var actual = Scores(ml, Reload(ml, logistic, all), all, "Probability");
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6);
        var metrics = ml.BinaryClassification.Evaluate(logistic.Transform(all));
        Assert.Equal(ml.BinaryClassification.Evaluate(logisticInProcess.Transform(all)).AreaUnderRocCurve, metrics.AreaUnderRocCurve, 1e-6);
    }

    [Fact]
    public async Task FitBceLogisticRegressionAsync_GradientDescentBeyondTheExactCurvatureLimit_TakesTheInProcessSteps()
    {
        // d = 300 > 256: the step 1/L comes from power iteration over the shards' Gram products, as in process over the rows.
        using var files = ShardFiles.Generate("curvature", [300, 300, 300, 300], featureCount: 300, binary: true, seed: 19, featureShift: 0);
        var options = new BceLogisticRegressionTrainer.Options
        {
            Optimizer = LogisticOptimizer.GradientDescent,
            L2Regularization = 0.1,
            MaximumNumberOfIterations = 4,
            ComputeStatistics = false,
        };
        var distributed = await cluster.Client.FitBceLogisticRegressionAsync(files.Source, options);
        var ml = new MLContext(seed: 0);
        var inProcess = ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(files.LoadAll(ml));

        var (expected, actual) = (inProcess.Model.SubModel.GetTrainingReport().ObjectiveHistory, distributed.Model.SubModel.GetTrainingReport().ObjectiveHistory);
        output.WriteLine($"in process {string.Join(", ", expected.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}");
        output.WriteLine($"over shards {string.Join(", ", actual.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}");
        Assert.Equal(5, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i], 1e-12 * expected[i]);
    }

    private static ITransformer Reload(MLContext ml, ITransformer model, IDataView data)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        return ml.Model.Load(stream, out _);
    }

    private static float[] Scores(MLContext ml, ITransformer model, IDataView data, string column = "Score")
        => model.Transform(data).GetColumn<float>(column).ToArray();

    /// <summary>The rows of a CSV shard (features, label, weight) as Parquet: floats as float, the weight as double.</summary>
    private static async Task WriteParquetAsync(string path, List<string> lines, int featureCount, int rowGroups)
    {
        var rows = lines.Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var features = Enumerable.Range(0, featureCount).Select(j => new DataField<float>($"f{j}")).ToArray();
        var label = new DataField<float>("Label");
        var weight = new DataField<double>("Weight");
        var schema = new ParquetSchema([.. features, label, weight]);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        int per = (rows.Length + rowGroups - 1) / rowGroups;
        for (int from = 0; from < rows.Length; from += per)
        {
            var group = rows.Skip(from).Take(per).ToArray();
            using var rowGroup = writer.CreateRowGroup();
            for (int j = 0; j < featureCount; j++) await rowGroup.WriteAsync(features[j], new ReadOnlyMemory<float>(group.Select(r => r[j]).ToArray()));
            await rowGroup.WriteAsync(label, new ReadOnlyMemory<float>(group.Select(r => r[featureCount]).ToArray()));
            await rowGroup.WriteAsync(weight, new ReadOnlyMemory<double>(group.Select(r => (double)r[featureCount + 1]).ToArray()));
        }
    }
}
