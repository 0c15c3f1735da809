using MlNetExtensions.Distributed.Tests.Support;
using MlNetExtensions.Sharding;

namespace MlNetExtensions.Distributed.Tests;

/// <summary>A shard's answer over Orleans' MaxMessageBodySize is refused before any shard is read.</summary>
[Collection(SharedCluster.Name)]
public class MessageLimitTests(ClusterFixture cluster)
{
    /// <summary>At d = 1,100 a shard's normal equations (4.9 MB) and Hessian (4.9 MB) exceed the test client's 4 MiB.</summary>
    private const int WideFeatureCount = 1100;

    [Fact]
    public void Of_TheTestClusterClient_ReadsItsConfiguredLimit()
        => Assert.Equal(ClusterFixture.ClientMaxMessageBodySize, MessageLimit.Of(cluster.Client));

    [Fact]
    public void Require_AtTheLimit_PassesAndOneByteOver_ThrowsNamingTheSizesAndTheOption()
    {
        MessageLimit.Require(1000 - MessageLimit.Overhead, 1000, "A shard's Hessian at d = 10 features", "Set Optimizer = Lbfgs");

        var e = Assert.Throws<InvalidOperationException>(
            () => MessageLimit.Require(1001 - MessageLimit.Overhead, 1000, "A shard's Hessian at d = 10 features", "Set Optimizer = Lbfgs"));

        Assert.Contains("d = 10", e.Message);
        Assert.Contains("MaxMessageBodySize of 1,000 bytes", e.Message);
        Assert.Contains("Set Optimizer = Lbfgs", e.Message);
        Assert.Contains("SiloMessagingOptions", e.Message);
    }

    [Fact]
    public async Task FitClosedFormLinearRegressionAsync_NormalEquationsOverTheMessageLimit_ThrowsBeforeReadingTheShards()
    {
        using var files = ShardFiles.Generate("wide-linear", [3, 3], featureCount: WideFeatureCount, binary: false, seed: 3);
        var progress = new SynchronousProgress<DistributedFitProgress>(_ => { });

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(files.Source,
            new() { Solver = LinearRegressionSolver.NormalEquations }, new DistributedFitOptions { Progress = progress }));

        Assert.Contains("normal-equation statistics at d = 1,100", e.Message);
        Assert.Contains($"{MessageLimit.NormalEquationBytes(WideFeatureCount):N0} bytes", e.Message);
        Assert.Contains("MaxMessageBodySize", e.Message);
        Assert.Equal(["Describe"], progress.Reports.Select(r => r.Stage));
    }

    [Fact]
    public async Task FitBceLogisticRegressionAsync_NewtonHessianOverTheMessageLimit_ThrowsNamingTheOptionsBeforeLoading()
    {
        using var files = ShardFiles.Generate("wide-logistic", [3, 3], featureCount: WideFeatureCount, binary: true, seed: 3);
        var progress = new SynchronousProgress<DistributedFitProgress>(_ => { });

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Client.FitBceLogisticRegressionAsync(files.Source,
            new() { Optimizer = LogisticOptimizer.Newton }, new DistributedFitOptions { Progress = progress }));

        Assert.Contains("Hessian at d = 1,100", e.Message);
        Assert.Contains($"{MessageLimit.HessianBytes(WideFeatureCount):N0} bytes", e.Message);
        Assert.Contains("Optimizer = Lbfgs and ComputeStatistics = false", e.Message);
        Assert.Equal(["Describe"], progress.Reports.Select(r => r.Stage));
    }
}
