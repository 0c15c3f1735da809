using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LinearRegression;

public class ClosedFormLinearRegressionConcurrencyTests
{
    private sealed class Row
    {
        [VectorType(10)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class Prediction
    {
        public float Score { get; set; }
    }

    [Fact]
    public void OneModel_ScoredFromEightThreads_GivesTheSingleThreadScores()
    {
        var ml = new MLContext(seed: 0);
        var data = TestData.Load(ml, "diabetes.csv");
        var model = ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var expected = model.Transform(data).GetColumn<float>("Score").ToArray();

        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
            results[t] = model.Transform(data).GetColumn<float>("Score").ToArray());
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void PredictionEnginePerThread_GivesTheBatchScores()
    {
        var ml = new MLContext(seed: 0);
        var data = TestData.Load(ml, "diabetes.csv");
        var model = ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var rows = data.GetColumn<float[]>("Features").Select(f => new Row { Features = f }).ToArray();
        var expected = model.Transform(data).GetColumn<float>("Score").ToArray();

        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            using var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            results[t] = rows.Select(r => engine.Predict(r).Score).ToArray();
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Fit_CancelledContext_ThrowsOperationCanceled()
    {
        var ml = new MLContext(seed: 0);
        var trainer = ml.Regression.Trainers.ClosedFormLinearRegression();
        MlNetExtensions.Interop.MlNetInternals.CancelExecution(ml);
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(TestData.Load(ml, "diabetes.csv")));
    }
}
