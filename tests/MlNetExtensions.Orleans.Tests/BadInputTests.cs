using Microsoft.ML.Data;
using MlNetExtensions.Distributed.Tests.Support;

namespace MlNetExtensions.Distributed.Tests;

/// <summary>A shard that cannot be read fails the fit with an exception that names the shard, its path, the silo and its error.</summary>
[Collection(SharedCluster.Name)]
public class BadInputTests(ClusterFixture cluster)
{
    private static ShardFiles SixShards(string name, bool binary = false)
        => ShardFiles.Generate(name, [50, 60, 70, 80, 90, 100], featureCount: 3, binary, seed: 8);

    [Fact]
    public void FromTextFiles_NullSourceRange_ThrowsArgumentExceptionNamingTheColumn()
    {
        var columns = new[]
        {
            new TextLoader.Column("Features", DataKind.Single, [new TextLoader.Range(0, 2), null!]),
            new TextLoader.Column("Label", DataKind.Single, 3),
        };

        var e = Assert.Throws<ArgumentException>(() => ShardedDataSource.FromTextFiles(["a.csv"], columns));

        Assert.Equal("columns", e.ParamName);
        Assert.Contains("Column 'Features'", e.Message);
        Assert.Contains("entry 1 of its 2", e.Message);
    }

    [Fact]
    public void FromTextFiles_KeyCountWithoutACount_StaysAKeyColumn()
    {
        var columns = new[]
        {
            new TextLoader.Column("Unbounded", DataKind.UInt32, [new TextLoader.Range(0)], new KeyCount()),
            new TextLoader.Column("Bounded", DataKind.UInt32, [new TextLoader.Range(1)], new KeyCount(10)),
            new TextLoader.Column("Plain", DataKind.Single, 2),
        };

        var format = ShardedDataSource.FromTextFiles(["a.csv"], columns).Format;

        Assert.Equal([(true, (ulong?)null), (true, 10UL), (false, null)], format.Columns.Select(c => (c.IsKey, c.KeyCount)));
    }

    [Fact]
    public async Task FitClosedFormLinearRegressionAsync_MissingShardFile_NamesTheShardAndTheSilosError()
    {
        using var files = SixShards("missing");
        var shards = files.Shards.ToArray();
        shards[4] = Path.Combine(files.Directory, "no-such-shard.csv");
        var source = ShardedDataSource.FromTextFiles(shards, files.Columns, separatorChar: ',', hasHeader: true);

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(source, new()));

        Assert.Equal(4, e.ShardIndex);
        Assert.Equal(shards[4], e.ShardPath);
        Assert.Equal(typeof(FileNotFoundException).FullName, e.ErrorType);
        Assert.NotNull(e.Silo);
        Assert.Contains("Shard 4", e.Message);
        Assert.Contains("no-such-shard.csv", e.Message);
        Assert.Contains(e.Silo!, e.Message);
    }

    [Fact]
    public async Task FitBceLogisticRegressionAsync_EmptyShard_NamesTheShard()
    {
        using var files = SixShards("empty", binary: true);
        File.WriteAllText(files.Shards[2], files.Header + "\n");

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitBceLogisticRegressionAsync(files.Source, new()));

        Assert.Equal(2, e.ShardIndex);
        Assert.Equal(typeof(InvalidOperationException).FullName, e.ErrorType);
        Assert.Contains("empty", e.Error);
        Assert.Contains("shard-02.csv", e.Message);
    }

    [Fact]
    public async Task FitClosedFormLinearRegressionAsync_ShardWithAnotherHeader_NamesTheShardAndTheDifference()
    {
        using var files = SixShards("schema");
        // Shard 5 has its columns in another order: read by position, its labels would be features.
        var lines = files.Lines(5).Select(l => string.Join(",", l.Split(',').Reverse()));
        string header = string.Join(",", files.Header.Split(',').Reverse());
        File.WriteAllLines(files.Shards[5], lines.Prepend(header));

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(files.Source, new()));

        Assert.Equal(5, e.ShardIndex);
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, e.ErrorType);
        Assert.Contains("another schema", e.Message);
        Assert.Contains("[Weight, Label, f2, f1, f0]", e.Message);
        Assert.Contains("[f0, f1, f2, Label, Weight]", e.Message);
    }

    [Fact]
    public async Task FitClosedFormLinearRegressionAsync_ShardWithFewerFieldsAndNoHeader_NamesTheShard()
    {
        using var files = SixShards("fields");
        foreach (var (shard, s) in files.Shards.Select((p, i) => (p, i)))
            File.WriteAllLines(shard, s == 1 ? files.Lines(s).Select(l => l[..l.LastIndexOf(',')]) : files.Lines(s));
        var source = ShardedDataSource.FromTextFiles(files.Shards, files.Columns, separatorChar: ',', hasHeader: false);

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(source, new()));

        Assert.Equal(1, e.ShardIndex);
        Assert.Contains("4 fields where shard 0's has 5", e.Message);
    }

    [Fact]
    public async Task FitBceLogisticRegressionAsync_LabelOutsideZeroOne_NamesTheShardAndTheRow()
    {
        using var files = SixShards("label", binary: true);
        var lines = files.Lines(3);
        var fields = lines[7].Split(',');
        fields[3] = "2";
        lines[7] = string.Join(",", fields);
        File.WriteAllLines(files.Shards[3], lines.Prepend(files.Header));

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitBceLogisticRegressionAsync(files.Source, new()));

        Assert.Equal(3, e.ShardIndex);
        Assert.Contains("row 7 has 2", e.Error);
    }

    [Fact]
    public async Task FitClosedFormLinearRegressionAsync_FeatureColumnMissing_FailsLikeTheInProcessTrainer()
    {
        using var files = SixShards("column");
        var options = new ClosedFormLinearRegressionTrainer.Options { FeatureColumnName = "NoSuchColumn" };

        var e = await Assert.ThrowsAsync<ShardException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(files.Source, options));

        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, e.ErrorType);
        Assert.Contains("NoSuchColumn", e.Error);
    }

    [Fact]
    public async Task FitBceLogisticRegressionAsync_OneClassInEveryShard_ThrowsAsInProcess()
    {
        using var files = SixShards("oneclass", binary: true);
        foreach (var (shard, s) in files.Shards.Select((p, i) => (p, i)))
            File.WriteAllLines(shard, files.Lines(s).Select(l => { var f = l.Split(','); f[3] = "1"; return string.Join(",", f); }).Prepend(files.Header));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Client.FitBceLogisticRegressionAsync(files.Source, new()));

        Assert.Contains("single class", e.Message);
    }

    [Fact]
    public async Task FitAsync_OptionsThatNeedTheRowsInOneProcess_AreRefusedBeforeAnyShardIsRead()
    {
        var source = ShardedDataSource.FromTextFiles(["/nowhere/shard.csv"], [new TextLoader.Column("Features", DataKind.Single, 0, 1), new TextLoader.Column("Label", DataKind.Single, 2)]);

        // Named arguments throughout, so a renamed parameter of the public entry points breaks this build.
        var batch = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.Client.FitBceLogisticRegressionAsync(
            source: source, options: new BceLogisticRegressionTrainer.Options { Optimizer = LogisticOptimizer.GradientDescent, BatchSize = 10 },
            distributedOptions: new DistributedFitOptions(), cancellationToken: CancellationToken.None));
        Assert.Contains("BatchSize", batch.Message);
        var solver = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.Client.FitClosedFormLinearRegressionAsync(
            source: source, options: new ClosedFormLinearRegressionTrainer.Options { Solver = LinearRegressionSolver.ConjugateGradient },
            distributedOptions: null, cancellationToken: CancellationToken.None));
        Assert.Contains("ConjugateGradient", solver.Message);
        Assert.Throws<ArgumentException>(() => ShardedDataSource.FromTextFiles([], [new TextLoader.Column("Label", DataKind.Single, 0)]));
    }
}
