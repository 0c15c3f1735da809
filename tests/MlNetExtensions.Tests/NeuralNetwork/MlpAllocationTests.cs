using Microsoft.ML;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpAllocationTests
{
    [Fact]
    public void Fit_TrainingBatches_AllocateNothing()
    {
        // 1000 batches of one row per epoch: ten more epochs may only add per-epoch allocations (a log line, a loss
        // value), far below one byte per batch; anything allocated per batch would show as ≥ 24 bytes each.
        var ml = new MLContext(seed: 1);
        var (x, y) = TestData.Linear(1000, [1.0, -1.0, 0.5], 0.0, noise: 0.1, seed: 3);
        var data = TestData.FromRows(ml, x, y);
        long Allocated(int epochs)
        {
            var trainer = ml.Regression.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [8], BatchSize = 1, NumberOfEpochs = epochs, Seed = 1 });
            long before = GC.GetAllocatedBytesForCurrentThread();
            trainer.Fit(data);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(1); // warm-up: JIT, lazy statics
        long one = Allocated(1), eleven = Allocated(11);
        double perBatch = (eleven - one) / 10_000.0;
        Assert.True(perBatch < 4, $"{perBatch:F1} bytes allocated per batch");
    }
}
