using Microsoft.ML;
using MlNetExtensions.Distributed.Tests.Support;
using Xunit.Abstractions;

namespace MlNetExtensions.Distributed.Tests;

[Collection(SharedCluster.Name)]
public class LinearRegressionShardTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.5)]
    public async Task FitClosedFormLinearRegressionAsync_EightShards_EqualsTheInProcessFitOnTheConcatenatedRows(bool weighted, double l2)
    {
        using var files = ShardFiles.Generate("linear", [400, 1, 350, 500, 2, 300, 450, 600], featureCount: 6, binary: false, seed: 11);
        var options = new ClosedFormLinearRegressionTrainer.Options
        {
            ExampleWeightColumnName = weighted ? "Weight" : null,
            L2Regularization = l2,
        };

        var distributed = await cluster.Client.FitClosedFormLinearRegressionAsync(files.Source, options);
        var ml = new MLContext(seed: 0);
        var inProcess = ml.Regression.Trainers.ClosedFormLinearRegression(options).Fit(files.LoadAll(ml));

        Assert.IsType(inProcess.GetType(), distributed);
        double scale = inProcess.Model.Weights.Max(w => Math.Abs(w));
        double largest = inProcess.Model.Weights.Zip(distributed.Model.Weights, (a, b) => Math.Abs(a - b)).Max() / scale;
        output.WriteLine($"weights: largest difference {largest:E2} of the largest weight; bias {inProcess.Model.Bias:R} vs {distributed.Model.Bias:R}");
        Assert.True(largest <= 1e-6, $"weights differ by {largest:E2} of the largest");
        Assert.Equal(inProcess.Model.Bias, distributed.Model.Bias, 1e-6 * Math.Abs(inProcess.Model.Bias));

        var expected = inProcess.Model.GetStatistics();
        var actual = distributed.Model.GetStatistics();
        double coefficientScale = expected.Coefficients.Max(Math.Abs);
        double coefficients = expected.Coefficients.Zip(actual.Coefficients, (a, b) => Math.Abs(a - b)).Max() / coefficientScale;
        output.WriteLine($"coefficients in double: largest difference {coefficients:E2} of the largest");
        Assert.True(coefficients <= 1e-9, $"coefficients differ by {coefficients:E2} of the largest");
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.RSquared!.Value, actual.RSquared!.Value, 1e-12);
        Assert.Equal(expected.ResidualSumOfSquares, actual.ResidualSumOfSquares, 1e-9 * expected.ResidualSumOfSquares);
        for (int k = 0; k < expected.StandardErrors!.Count; k++)
            Assert.Equal(expected.StandardErrors[k], actual.StandardErrors![k], 1e-9 * expected.StandardErrors[k]);
    }
}
