using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Closed-form linear regression on 1,000,000 × 50 in memory against one bare cursor pass over the same
/// columns and against ML.NET's Sdca regression; plus the memory a fit allocates at two sizes of n.
/// </summary>
internal sealed class LinearRegressionComparison : IComparisonSuite
{
    public string Name => "linear";

    public void Run(TextWriter output)
    {
        const int n = 1_000_000, d = 50;
        var ml = new MLContext(seed: 0);
        var data = SyntheticData.Regression(ml, n, d, seed: 1);
        var holdout = SyntheticData.Regression(ml, 100_000, d, seed: 2);

        var closedForm = ml.Regression.Trainers.ClosedFormLinearRegression();
        var closedFormOneThread = ml.Regression.Trainers.ClosedFormLinearRegression(
            new ClosedFormLinearRegressionTrainer.Options { NumberOfThreads = 1 });
        var env = MlNetExtensions.Interop.MlNetInternals.GetEnvironment(ml.Regression.Trainers);
        var reader = MlNetExtensions.Data.TrainingDataReader.Create(data, "Label", "Features", null, MlNetExtensions.Data.LabelKind.Regression);
        var held = reader.ReadAll(env, null, MlNetExtensions.Data.MemoryBudget.Default);
        var dense = (MlNetExtensions.Data.DenseRows)held.Features;
        var labels = held.Labels;
        var times = Comparison.MedianMilliseconds(5,
            () => SyntheticData.BarePass(data),
            () => closedForm.Fit(data),
            () => closedFormOneThread.Fit(data),
            () => reader.ForEachBlock(env, null, _ => { }),
            () =>
            {
                var acc = new MlNetExtensions.Numerics.NormalEquationAccumulator(d);
                acc.AddValidatedRows(dense.Values, labels, default);
            });

        var sdca = ml.Regression.Trainers.Sdca();
        bool skipSdca = Environment.GetEnvironmentVariable("SKIP_SDCA") == "1";
        var sdcaTime = skipSdca ? double.NaN : Comparison.MedianMilliseconds(1, () => sdca.Fit(data))[0];
        double r2Ours = ml.Regression.Evaluate(closedForm.Fit(data).Transform(holdout)).RSquared;
        double r2Sdca = skipSdca ? double.NaN : ml.Regression.Evaluate(sdca.Fit(data).Transform(holdout)).RSquared;

        long allocSmall = AllocatedDuringFit(closedForm, SyntheticData.Regression(ml, n / 4, d, seed: 3));
        long allocLarge = AllocatedDuringFit(closedForm, data);

        output.WriteLine();
        output.WriteLine($"### Linear regression, {n:N0} × {d} in memory (LoadFromEnumerable), median of 5 interleaved runs (Sdca: 1 run)");
        output.WriteLine();
        output.WriteLine("| contender | ms | × bare pass | holdout R² |");
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine($"| bare cursor pass (Features + Label) | {Comparison.F(times[0], "F0")} | 1.00 | |");
        output.WriteLine($"| ClosedFormLinearRegression (all cores) | {Comparison.F(times[1], "F0")} | {Comparison.F(times[1] / times[0])} | {Comparison.F(r2Ours, "F6")} |");
        output.WriteLine($"| ClosedFormLinearRegression (1 thread) | {Comparison.F(times[2], "F0")} | {Comparison.F(times[2] / times[0])} | |");
        output.WriteLine($"| (breakdown) reader pass into dense blocks, no arithmetic | {Comparison.F(times[3], "F0")} | {Comparison.F(times[3] / times[0])} | |");
        output.WriteLine($"| (breakdown) normal-equation kernel alone, 1 thread, data in memory | {Comparison.F(times[4], "F0")} | {Comparison.F(times[4] / times[0])} | |");
        output.WriteLine($"| ML.NET Sdca | {Comparison.F(sdcaTime, "F0")} | {Comparison.F(sdcaTime / times[0])} | {Comparison.F(r2Sdca, "F6")} |");
        output.WriteLine();
        output.WriteLine($"Sdca / ClosedForm time: {Comparison.F(sdcaTime / times[1], "F1")}×. " +
                         $"Managed memory allocated by one fit: {allocSmall / 1024.0:F0} KiB at n = {n / 4:N0}, {allocLarge / 1024.0:F0} KiB at n = {n:N0}.");
    }

    private static long AllocatedDuringFit(IEstimator<ITransformer> trainer, IDataView data)
    {
        trainer.Fit(data);
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        trainer.Fit(data);
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }
}
