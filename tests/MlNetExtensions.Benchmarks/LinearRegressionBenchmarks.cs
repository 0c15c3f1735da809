using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.ML;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// BenchmarkDotNet view of the linear speed target: fit on 1,000,000 × 50 in memory against one bare cursor pass
/// (the baseline, so the Ratio column is "× bare pass") and against ML.NET's Sdca.
/// Run: dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- bdn --filter *LinearRegressionBenchmarks*
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class LinearRegressionBenchmarks
{
    private MLContext _ml = null!;
    private IDataView _data = null!;

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ml = new MLContext(seed: 0);
        _data = SyntheticData.Regression(_ml, Rows, 50, seed: 1);
    }

    [Benchmark(Baseline = true, Description = "bare cursor pass")]
    public double BarePass() => SyntheticData.BarePass(_data);

    [Benchmark(Description = "ClosedFormLinearRegression")]
    public float ClosedForm() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(_data).Model.Bias;

    [Benchmark(Description = "ML.NET Sdca")]
    public float Sdca() => _ml.Regression.Trainers.Sdca().Fit(_data).Model.Bias;
}
