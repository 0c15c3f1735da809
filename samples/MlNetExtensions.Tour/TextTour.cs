using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>
/// Text classification as ML.NET's sentiment samples do it: FeaturizeText (word and character n-grams: thousands of sparse
/// slots), then this library's logistic regression and MLP next to ML.NET's LbfgsLogisticRegression and
/// SdcaLogisticRegression, every trainer with its defaults; and a one-hot categorical regression.
/// </summary>
internal static class TextTour
{
    private sealed class Yelp
    {
        [LoadColumn(0)] public string Comment { get; set; } = "";
        [LoadColumn(1)] public bool Label { get; set; }
    }

    private sealed class Detox
    {
        [LoadColumn(0)] public bool Label { get; set; }
        [LoadColumn(1)] public string SentimentText { get; set; } = "";
    }

    public static void Run(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## Text classification: FeaturizeText, then sparse trainers (defaults)");
        var yelp = ml.Data.LoadFromTextFile<Yelp>(SampleData.PathOf("yelp_labelled.tsv"), hasHeader: true, separatorChar: '\t', allowQuoting: false);
        var split = ml.Data.TrainTestSplit(yelp, testFraction: 0.2, seed: 0);
        Compare(ml, "Yelp reviews (UCI Sentiment Labelled Sentences), 80/20 split", "Comment", split.TrainSet, split.TestSet);

        var detoxTrain = ml.Data.LoadFromTextFile<Detox>(SampleData.PathOf("wikipedia_detox_250.train.tsv"), hasHeader: true, separatorChar: '\t', allowQuoting: false);
        var detoxTest = ml.Data.LoadFromTextFile<Detox>(SampleData.PathOf("wikipedia_detox_250.test.tsv"), hasHeader: true, separatorChar: '\t', allowQuoting: false);
        Compare(ml, "Wikipedia detox (the 250-line extract of ML.NET's sentiment sample)", "SentimentText", detoxTrain, detoxTest);

        CategoricalTour.Run(ml, output);
    }

    private static void Compare(MLContext ml, string title, string textColumn, IDataView train, IDataView test)
    {
        // Featurized once, so that the fit times below are the trainers'; the sparse vectors stay sparse throughout.
        var featurize = ml.Transforms.Text.FeaturizeText("Features", textColumn).Fit(train);
        var trainFeatures = ml.Data.Cache(featurize.Transform(train));
        var testFeatures = featurize.Transform(test);
        var slots = ((VectorDataViewType)trainFeatures.Schema["Features"].Type).Size;
        long rows = trainFeatures.GetColumn<bool>("Label").LongCount();
        Console.WriteLine();
        Console.WriteLine($"{title}: {rows:N0} training rows, {slots:N0} FeaturizeText slots.");
        var t = ml.BinaryClassification.Trainers;
        TrainerCandidate[] candidates =
        [
            new("BceLogisticRegression", t.BceLogisticRegression()),
            new("BceLogisticRegression, L1 = 1e-3 (OWL-QN)", t.BceLogisticRegression(new BceLogisticRegressionTrainer.Options { L1Regularization = 1e-3 })),
            new("Mlp [32], 20 epochs", t.Mlp(hiddenLayerSizes: [32], numberOfEpochs: 20, seed: 0)),
            new("LbfgsLogisticRegression", t.LbfgsLogisticRegression()),
            new("SdcaLogisticRegression", t.SdcaLogisticRegression()),
        ];
        var report = ml.BinaryClassification.CompareTrainers(trainFeatures, testFeatures, candidates, progress: new ConsoleProgressBar());
        Console.WriteLine(report.ToMarkdown());
        var lasso = t.BceLogisticRegression(new BceLogisticRegressionTrainer.Options { L1Regularization = 1e-3 }).Fit(trainFeatures).Model.SubModel;
        Console.WriteLine($"The L1 fit keeps {lasso.Weights.Count(w => w != 0):N0} of {slots:N0} weights non-zero.");
    }
}
