using Microsoft.ML;
using MlNetExtensions.Distributed.Tests.Support;
using Xunit.Abstractions;

namespace MlNetExtensions.Distributed.Tests;

[Collection(SharedCluster.Name)]
public class LogisticRegressionShardTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Theory]
    [InlineData(LogisticOptimizer.Newton, 0.0, 1e-8, 3.0)]
    [InlineData(LogisticOptimizer.Lbfgs, 1e-3, 1e-8, 3.0)]
    // Gradient descent on centred features: with a step of 1/L it needs thousands of iterations on uncentred ones.
    [InlineData(LogisticOptimizer.GradientDescent, 1e-2, 1e-6, 0.0)]
    public async Task FitBceLogisticRegressionAsync_EachOptimizer_ReachesTheInProcessOptimum(LogisticOptimizer optimizer, double l2, double tolerance,
        double featureShift)
    {
        using var files = ShardFiles.Generate("logistic", [300, 250, 1, 400, 350, 200, 300, 450, 2, 250], featureCount: 5, binary: true, seed: 21,
            featureShift);
        var options = new BceLogisticRegressionTrainer.Options
        {
            Optimizer = optimizer,
            L2Regularization = l2,
            ExampleWeightColumnName = "Weight",
            GradientTolerance = tolerance,
        };

        var distributed = await cluster.Client.FitBceLogisticRegressionAsync(files.Source, options);
        var ml = new MLContext(seed: 0);
        var inProcess = ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(files.LoadAll(ml));

        Assert.IsType(inProcess.GetType(), distributed);
        var expected = inProcess.Model.SubModel.GetTrainingReport();
        var actual = distributed.Model.SubModel.GetTrainingReport();
        double objective = Math.Abs(actual.Objective - expected.Objective) / expected.Objective;
        var (a, b) = (inProcess.Model.SubModel.GetStatistics().Coefficients, distributed.Model.SubModel.GetStatistics().Coefficients);
        double coefficients = a.Zip(b, (x, y) => Math.Abs(x - y)).Max() / a.Max(Math.Abs);
        output.WriteLine($"{optimizer}: objective {expected.Objective:R} in process, {actual.Objective:R} over shards (relative difference {objective:E2}); " +
            $"iterations {expected.Iterations} and {actual.Iterations}; coefficients differ by {coefficients:E2} of the largest");
        Assert.True(actual.Converged);
        Assert.True(objective <= 1e-9, $"objectives differ by {objective:E2}");
        Assert.True(coefficients <= 1e-5, $"coefficients differ by {coefficients:E2} of the largest");

        var (se, seShards) = (inProcess.Model.SubModel.GetStatistics(), distributed.Model.SubModel.GetStatistics());
        Assert.Equal(se.Count, seShards.Count);
        Assert.Equal(se.Deviance, seShards.Deviance, 1e-8 * se.Deviance);
        for (int k = 0; k < se.StandardErrors!.Count; k++)
            Assert.Equal(se.StandardErrors[k], seShards.StandardErrors![k], 1e-5 * se.StandardErrors[k]);
        Assert.NotNull(distributed.Model.SubModel.Statistics);
    }
}
