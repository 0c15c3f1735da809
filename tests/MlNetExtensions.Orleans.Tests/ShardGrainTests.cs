using MlNetExtensions.Distributed.Tests.Support;
using MlNetExtensions.Sharding;

namespace MlNetExtensions.Distributed.Tests;

/// <summary>The shard grain's cache of rows: reused for the task it was loaded for, refused to any other.</summary>
[Collection(SharedCluster.Name)]
public class ShardGrainTests(ClusterFixture cluster)
{
    [Fact]
    public async Task LoadAsync_AnotherTaskOnALoadedGrain_ThrowsNamingWhatDiffersAndKeepsTheRows()
    {
        using var files = ShardFiles.Generate("grain-cache", [40], featureCount: 3, binary: true, seed: 4);
        var task = new ShardTask(0, files.Shards[0], files.Source.Format, null, "Label", "Features", null, BinaryLabel: true,
            (int)FeatureLayout.Dense, null, 1);
        var grain = cluster.Client.GetGrain<IShardGrain>($"grain-cache-{Guid.NewGuid():N}/0");
        try
        {
            var first = await grain.LoadAsync(task, CancellationToken.None);
            Assert.Equal(40, first.RowsUsed);

            // An equal task (a reload after a retry) gets the rows it holds.
            var again = await grain.LoadAsync(task with { Format = task.Format with { Columns = [.. task.Format.Columns] } }, CancellationToken.None);
            Assert.Equal(first, again);

            var weighted = await Assert.ThrowsAsync<ShardException>(() => grain.LoadAsync(task with { WeightColumn = "Weight" }, CancellationToken.None));
            Assert.Equal(typeof(InvalidOperationException).FullName, weighted.ErrorType);
            Assert.Contains("WeightColumn", weighted.Message);
            Assert.Contains("FitId", weighted.Message);

            var columns = task.Format.Columns.Select(c => c.Name == "Label" ? c with { Ranges = [c.Ranges[0] with { Min = 0, Max = 0 }] } : c).ToArray();
            var otherLabel = await Assert.ThrowsAsync<ShardException>(
                () => grain.LoadAsync(task with { Format = task.Format with { Columns = columns } }, CancellationToken.None));
            Assert.Contains("Format", otherLabel.Message);

            Assert.Equal(first, await grain.LoadAsync(task, CancellationToken.None));
        }
        finally
        {
            await grain.ReleaseAsync();
        }
    }
}
