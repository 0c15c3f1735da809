using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions;

// y = 2·x₀ − 3·x₁ + 1 exactly: the closed-form fit must recover it; then a logistic fit, a save and a load.
var ml = new MLContext(seed: 0);
var rows = Enumerable.Range(0, 50).Select(i => new Row
{
    Features = [i % 7, (i * 3) % 11],
    Label = 2f * (i % 7) - 3f * ((i * 3) % 11) + 1f,
    Positive = (i % 7) > 3,
}).ToArray();
var data = ml.Data.LoadFromEnumerable(rows);

var linear = ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
var w = linear.Model.Weights;
if (Math.Abs(w[0] - 2) > 1e-4 || Math.Abs(w[1] + 3) > 1e-4 || Math.Abs(linear.Model.Bias - 1) > 1e-4)
    throw new InvalidOperationException($"Closed-form fit gave {w[0]}, {w[1]}, {linear.Model.Bias}; expected 2, -3, 1.");
Console.WriteLine($"ClosedFormLinearRegression: weights {w[0]:F4}, {w[1]:F4}, bias {linear.Model.Bias:F4}; R² {linear.Model.GetStatistics().RSquared:F6}");

var logistic = ml.BinaryClassification.Trainers.BceLogisticRegression(labelColumnName: "Positive").Fit(data);
var metrics = ml.BinaryClassification.Evaluate(logistic.Transform(data), labelColumnName: "Positive");
if (metrics.Accuracy < 0.99) throw new InvalidOperationException($"Logistic fit accuracy {metrics.Accuracy}.");
Console.WriteLine($"BceLogisticRegression: training accuracy {metrics.Accuracy:F3}");

using var stream = new MemoryStream();
ml.Model.SaveWithExtensions(linear, data.Schema, stream);
stream.Position = 0;
var loaded = (RegressionPredictionTransformer<Microsoft.ML.Trainers.LinearRegressionModelParameters>)ml.Model.LoadWithExtensions(stream, out _);
Console.WriteLine($"Saved and loaded with its statistics: n = {loaded.Model.GetStatistics().Count}");
Console.WriteLine("Package consumer: OK");

internal sealed class Row
{
    [VectorType(2)] public float[] Features { get; set; } = [];
    public float Label { get; set; }
    public bool Positive { get; set; }
}
