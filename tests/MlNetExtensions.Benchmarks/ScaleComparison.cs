using System.Diagnostics;
using Microsoft.ML;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Issue 6 §5: the linear trainer on 1,000,000 then 10,000,000 × 20 rows streamed from a generated IDataView that holds
/// no rows; peak working set and managed allocation must not grow with n.
/// </summary>
internal sealed class ScaleComparison : IComparisonSuite
{
    public string Name => "scale";

    public void Run(TextWriter output)
    {
        var ml = new MLContext(seed: 0);
        var trainer = ml.Regression.Trainers.ClosedFormLinearRegression();
        output.WriteLine();
        output.WriteLine("### Linear regression streamed from a generated IDataView (20 features, nothing held in memory)");
        output.WriteLine();
        output.WriteLine("| rows | fit s | bare pass s | managed bytes allocated by the fit | peak working set after the fit |");
        output.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (long n in new long[] { 1_000_000, 10_000_000 })
        {
            var data = new StreamingRegressionDataView(n, 20, seed: 1);
            var bare = Stopwatch.StartNew();
            SyntheticData.BarePass(data);
            double bareSeconds = bare.Elapsed.TotalSeconds;
            GC.Collect();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            var model = trainer.Fit(data);
            double seconds = clock.Elapsed.TotalSeconds;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            var process = Process.GetCurrentProcess();
            process.Refresh();
            output.WriteLine($"| {n:N0} | {seconds:F2} | {bareSeconds:F2} | {allocated / 1024.0 / 1024:F1} MiB | {process.PeakWorkingSet64 / 1024.0 / 1024:F0} MiB |");
            if (Math.Abs(model.Model.Weights[1] - (-2)) > 0.01)
                throw new InvalidOperationException($"Unexpected weight {model.Model.Weights[1]} (expected −2): the fit is wrong.");
        }
    }
}
