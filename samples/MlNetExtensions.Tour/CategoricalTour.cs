using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>
/// Counts from categorical and numeric columns: the bike-sharing data of ML.NET's demand sample, its categorical columns
/// one-hot encoded (OneHotEncoding: sparse slots with one non-zero each), with PoissonRegression next to ML.NET's
/// LbfgsPoissonRegression and the least-squares fits, then Poisson's coefficient table by slot name.
/// </summary>
internal static class CategoricalTour
{
    private sealed class Day
    {
        [LoadColumn(0)] public float Season { get; set; }
        [LoadColumn(1)] public float Year { get; set; }
        [LoadColumn(2)] public float Month { get; set; }
        [LoadColumn(3)] public float Holiday { get; set; }
        [LoadColumn(4)] public float Weekday { get; set; }
        [LoadColumn(5)] public float WorkingDay { get; set; }
        [LoadColumn(6)] public float Weather { get; set; }
        [LoadColumn(7)] public float Temperature { get; set; }
        [LoadColumn(8)] public float FeltTemperature { get; set; }
        [LoadColumn(9)] public float Humidity { get; set; }
        [LoadColumn(10)] public float WindSpeed { get; set; }
        [LoadColumn(11)] public float Label { get; set; }
    }

    public static void Run(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## One-hot categorical features: daily bike rentals (584 train / 147 test days), Poisson regression");
        var train = ml.Data.LoadFromTextFile<Day>(SampleData.PathOf("bike_sharing_daily.train.csv"), hasHeader: true, separatorChar: ',');
        var test = ml.Data.LoadFromTextFile<Day>(SampleData.PathOf("bike_sharing_daily.test.csv"), hasHeader: true, separatorChar: ',');
        string[] categorical = ["Season", "Year", "Month", "Weekday", "Weather"];
        var featurize = ml.Transforms.Categorical.OneHotEncoding(categorical.Select(c => new InputOutputColumnPair(c + "Code", c)).ToArray())
            .Append(ml.Transforms.Concatenate("Features",
                [.. categorical.Select(c => c + "Code"), "Holiday", "WorkingDay", "Temperature", "FeltTemperature", "Humidity", "WindSpeed"]))
            .Fit(train);
        var trainFeatures = ml.Data.Cache(featurize.Transform(train));
        var testFeatures = featurize.Transform(test);
        int slots = ((VectorDataViewType)trainFeatures.Schema["Features"].Type).Size;
        Console.WriteLine($"{slots} slots after one-hot encoding {string.Join(", ", categorical)}.");

        var t = ml.Regression.Trainers;
        TrainerCandidate[] candidates =
        [
            new("PoissonRegression", t.PoissonRegression()),
            new("PoissonRegression (λ = 1e-3)", t.PoissonRegression(l2Regularization: 1e-3)),
            new("ClosedFormLinearRegression", t.ClosedFormLinearRegression()),
            new("LbfgsPoissonRegression", t.LbfgsPoissonRegression()),
            new("Sdca", t.Sdca()),
        ];
        var report = ml.Regression.CompareTrainers(trainFeatures, testFeatures, candidates, progress: new ConsoleProgressBar());
        Console.WriteLine(report.ToMarkdown());

        // One-hot columns are collinear with the bias (each category's slots sum to 1): the dummy-variable trap. The
        // Poisson fit has no unique unpenalised optimum there either; with a little L2 its coefficients are well defined.
        var poisson = t.PoissonRegression(l2Regularization: 1e-3).Fit(trainFeatures);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        trainFeatures.Schema["Features"].GetSlotNames(ref names);
        Console.WriteLine("PoissonRegression (λ = 1e-3) coefficients, log of the expected count (exp(coefficient) multiplies it):");
        Console.WriteLine(poisson.Model.GetStatistics().ToTable(names.DenseValues().Select(n => n.ToString()).ToArray()));
        var ols = t.ClosedFormLinearRegression().Fit(trainFeatures).Model.GetStatistics();
        Console.WriteLine($"ClosedFormLinearRegression on the same one-hot columns (λ = 0, the dummy-variable trap): " +
                          $"{(ols.HasCoefficientStatistics ? "full rank" : ols.UnavailableReason)}.");
    }
}
