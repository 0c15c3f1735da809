using Microsoft.ML;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Data;

public class ParallelBlockPipelineTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 100)]
    [InlineData(true, 1_000_000)]
    public void Run_EveryRowReachesExactlyOneState(bool adaptive, long probeRows)
    {
        var ml = new MLContext(seed: 0);
        int n = 5_000;
        var x = Enumerable.Range(0, n).Select(i => new[] { (float)i, 1f }).ToArray();
        var y = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        var reader = TrainingDataReader.Create(TestData.FromRows(ml, x, y), "Label", "Features", null, LabelKind.Regression);
        var env = MlNetInternals.GetEnvironment(ml.Regression.Trainers);

        var (states, summary) = ParallelBlockPipeline.Run(reader, env, channel: null, workers: 3, () => new List<float>(),
            (seen, block) => seen.AddRange(block.Labels.AsSpan(0, block.Count).ToArray()), adaptive, probeRows, blockRows: 64);

        Assert.Equal(n, summary.RowsUsed);
        Assert.Equal(y, states.SelectMany(s => s).Order().ToArray());
    }
}
