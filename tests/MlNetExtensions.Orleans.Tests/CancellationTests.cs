using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Distributed.Tests.Support;
using Xunit.Abstractions;

namespace MlNetExtensions.Distributed.Tests;

[Collection(SharedCluster.Name)]
public class CancellationTests(ClusterFixture cluster, ITestOutputHelper output)
{
    /// <summary>How long the test waits for what it expects before it gives up (a guard against hanging, not a measurement).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 180_000)]
    public async Task FitClosedFormLinearRegressionAsync_CancelledWhileEveryShardStreams_StopsTheReadOnEverySilo()
    {
        using var cancellation = new CancellationTokenSource();
        await CancelWhileEveryShardStreams(source => cluster.Client.FitClosedFormLinearRegressionAsync(source, new(), cancellationToken: cancellation.Token),
            () => cancellation.CancelAsync());
    }

    [Fact(Timeout = 180_000)]
    public async Task FitClosedFormLinearRegressionAsync_MLContextCancelledWhileEveryShardStreams_ThrowsAndStopsTheReadOnEverySilo()
    {
        // No token: only MLContext.CancelExecution() of the options' context, called while the shards are being read.
        var ml = new MLContext(seed: 0);
        await CancelWhileEveryShardStreams(source => cluster.Client.FitClosedFormLinearRegressionAsync(source, new(), new DistributedFitOptions { MLContext = ml }),
            () =>
            {
                MlNetInternals.CancelExecution(ml);
                return Task.CompletedTask;
            });
    }

    /// <summary>
    /// Starts <paramref name="fit"/> over four shards that never end, so that it can only finish by being cancelled; once
    /// every shard streams, calls <paramref name="cancel"/>, then requires the fit to throw <see cref="OperationCanceledException"/>
    /// (no model) and each shard's writer to see its silo's reader close the pipe when the cancellation reached that grain.
    /// </summary>
    private async Task CancelWhileEveryShardStreams(Func<ShardedDataSource, Task> fit, Func<Task> cancel)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-orleans-fifo-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var fifos = Enumerable.Range(0, 4).Select(s => new Fifo(Path.Combine(directory, $"shard-{s}.csv"), "a,b,y",
            i => string.Create(CultureInfo.InvariantCulture, $"{i % 7},{s + i % 3},{i % 5}"))).ToArray();
        try
        {
            var source = ShardedDataSource.FromTextFiles(fifos.Select(f => f.Path), [new TextLoader.Column("Features", DataKind.Single, 0, 1),
                new TextLoader.Column("Label", DataKind.Single, 2)], separatorChar: ',', hasHeader: true);
            var running = fit(source);

            var clock = Stopwatch.StartNew();
            while (!fifos.All(f => f.RowsInSession > Fifo.LongSession) && clock.Elapsed < Patience && !running.IsCompleted) await Task.Delay(20);
            Assert.False(running.IsCompleted, $"the fit ended before it was cancelled: {running.Exception?.InnerException?.Message}");
            Assert.True(fifos.All(f => f.RowsInSession > Fifo.LongSession), "not every shard was being read");
            output.WriteLine($"all four shards streaming after {clock.ElapsedMilliseconds} ms; cancelling");
            await cancel();

            clock.Restart();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Patience));
            output.WriteLine($"the fit threw {clock.ElapsedMilliseconds} ms after the cancellation");
            clock.Restart();
            while (!fifos.All(f => f.LongSessionsEnded == 1) && clock.Elapsed < Patience) await Task.Delay(20);
            output.WriteLine($"readers closed: {string.Join(", ", fifos.Select(f => f.LongSessionsEnded))} ({clock.ElapsedMilliseconds} ms after the fit ended)");
            Assert.All(fifos, f => Assert.Equal(1, f.LongSessionsEnded));
        }
        finally
        {
            foreach (var fifo in fifos) fifo.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }
}
