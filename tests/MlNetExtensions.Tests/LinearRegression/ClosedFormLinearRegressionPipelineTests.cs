using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LinearRegression;

/// <summary>The trainer inside ordinary ML.NET pipelines: the "workout" ML.NET runs on its own trainers.</summary>
public class ClosedFormLinearRegressionPipelineTests
{
    private readonly MLContext _ml = new(seed: 1);

    private sealed class DiabetesRow
    {
        [LoadColumn(0, 9), VectorType(10)] public float[] Features { get; set; } = [];
        [LoadColumn(10)] public float Label { get; set; }
    }

    private sealed class Prediction
    {
        public float Score { get; set; }
    }

    private IDataView ScalarColumns()
    {
        // Separate scalar columns, as users usually load them, so the pipeline must Concatenate.
        var cols = Enumerable.Range(0, 10).Select(i => new TextLoader.Column($"f{i}", DataKind.Single, i)).ToList();
        cols.Add(new TextLoader.Column("Label", DataKind.Single, 10));
        return _ml.Data.LoadFromTextFile(TestData.PathOf("diabetes.csv"), cols.ToArray(), separatorChar: ',', hasHeader: true);
    }

    private IEstimator<ITransformer> Pipeline() =>
        _ml.Transforms.Concatenate("Features", Enumerable.Range(0, 10).Select(i => $"f{i}").ToArray())
            .Append(_ml.Transforms.NormalizeMinMax("Features"))
            .Append(_ml.Regression.Trainers.ClosedFormLinearRegression())
            .Append(_ml.Transforms.CopyColumns("ScoreCopy", "Score"));

    [Fact]
    public void Fit_AfterConcatenateAndNormalizer_BeforeAnotherTransform_Works()
    {
        var scored = Pipeline().Fit(ScalarColumns()).Transform(ScalarColumns());
        var score = scored.Schema["Score"];
        Assert.Equal(NumberDataViewType.Single, score.Type);
        Assert.Equal(scored.GetColumn<float>("Score"), scored.GetColumn<float>("ScoreCopy"));
    }

    [Fact]
    public void GetOutputSchema_MatchesWhatTransformProduces()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var trainer = _ml.Regression.Trainers.ClosedFormLinearRegression();
        var shape = trainer.GetOutputSchema(TestData.ShapeOf(data));
        var column = Assert.Single(shape, c => c.Name == "Score");
        Assert.Equal(NumberDataViewType.Single, column.ItemType);
        Assert.NotNull(trainer.Fit(data).Transform(data).Schema.GetColumnOrNull("Score"));
    }

    [Fact]
    public void Evaluate_GivesTheTrainingRSquaredOfTheStatistics()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var metrics = _ml.Regression.Evaluate(model.Transform(data));
        Assert.Equal(model.Model.GetStatistics().RSquared!.Value, metrics.RSquared, 5);
    }

    [Fact]
    public void CrossValidate_FiveFolds_AllFoldsScoreReasonably()
    {
        var results = _ml.Regression.CrossValidate(TestData.Load(_ml, "diabetes.csv"),
            _ml.Regression.Trainers.ClosedFormLinearRegression(), numberOfFolds: 5);
        Assert.Equal(5, results.Count);
        Assert.All(results, r => Assert.InRange(r.Metrics.RSquared, 0.2, 0.8));
    }

    [Fact]
    public void PredictionEngine_SingleRow_EqualsBatchScore()
    {
        var data = _ml.Data.LoadFromTextFile<DiabetesRow>(TestData.PathOf("diabetes.csv"), separatorChar: ',', hasHeader: true);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var engine = _ml.Model.CreatePredictionEngine<DiabetesRow, Prediction>(model);
        var rows = _ml.Data.CreateEnumerable<DiabetesRow>(data, reuseRowObject: false).Take(5).ToArray();
        var batch = model.Transform(data).GetColumn<float>("Score").Take(5).ToArray();
        for (int i = 0; i < rows.Length; i++) Assert.Equal(batch[i], engine.Predict(rows[i]).Score);
    }

    [Fact]
    public void PermutationFeatureImportance_RanksTheInformativeFeatureFirst()
    {
        // Only feature 2 carries signal.
        var rng = new Random(4);
        var x = Enumerable.Range(0, 400).Select(_ => Enumerable.Range(0, 4).Select(_ => (float)TestData.Gaussian(rng)).ToArray()).ToArray();
        var y = x.Select(r => 5 * r[2] + (float)(0.1 * TestData.Gaussian(rng))).ToArray();
        var data = TestData.FromRows(_ml, x, y);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var importance = _ml.Regression.PermutationFeatureImportance(model, data, permutationCount: 2);
        var drops = importance.Select(m => m.RSquared.Mean).ToArray();
        Assert.Equal(2, Array.IndexOf(drops, drops.Min()));
    }

    [Fact]
    public void SaveLoad_ChainWithBuiltInTransforms_GivesBitIdenticalScoresInFreshContext()
    {
        var raw = ScalarColumns();
        var model = Pipeline().Fit(raw);
        string path = Path.Combine(Path.GetTempPath(), $"cflr-{Guid.NewGuid():N}.zip");
        try
        {
            _ml.Model.Save(model, raw.Schema, path);
            var loaded = new MLContext().Model.Load(path, out var schema);
            Assert.NotNull(schema);
            var before = model.Transform(raw).GetColumn<float>("Score").ToArray();
            var after = loaded.Transform(raw).GetColumn<float>("Score").ToArray();
            Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), after.Select(BitConverter.SingleToInt32Bits));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SavedModel_LoadsAsMlNetsOwnLinearModel_InAProgramWithoutThisLibrary()
    {
        var data = TestData.Load(_ml, "diabetes.test.csv");
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 0.1).Fit(TestData.Load(_ml, "diabetes.train.csv"));
        string path = Path.Combine(Path.GetTempPath(), $"cflr-{Guid.NewGuid():N}.zip");
        try
        {
            _ml.Model.Save(model, data.Schema, path);
            var loaded = (RegressionPredictionTransformer<LinearRegressionModelParameters>)new MLContext().Model.Load(path, out _);
            Assert.Equal(model.Model.Weights, loaded.Model.Weights);

            var lines = ModelLoaderProcess.Run("MlNetExtensions.ModelLoader", path, "diabetes.test.csv");
            Assert.Equal("Score", lines[0]);
            var expected = model.Transform(data).GetColumn<float>("Score")
                .Select(s => BitConverter.SingleToInt32Bits(s).ToString("X8", CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected, lines.Skip(1).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FeatureContributions_WorkOnTheFittedModel()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var contributions = _ml.Transforms.CalculateFeatureContribution(model, normalize: false).Fit(data).Transform(data);
        var first = contributions.GetColumn<float[]>("FeatureContributions").First();
        var row = data.GetColumn<float[]>("Features").First();
        for (int j = 0; j < 10; j++) Assert.Equal(model.Model.Weights[j] * row[j], first[j], 3);
    }

    [Fact]
    public void ConvertToOnnx_ExportsTheFittedModelLikeABuiltInOne()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        using var stream = new MemoryStream();
        _ml.Model.ConvertToOnnx(model, data, stream);
        var bytes = stream.ToArray();
        Assert.True(bytes.Length > 100);
        // The ONNX graph holds a LinearRegressor node carrying the weights.
        Assert.Contains("LinearRegressor", System.Text.Encoding.ASCII.GetString(bytes));
    }
}
