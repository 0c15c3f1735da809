using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Hardening;

/// <summary>Issue 6 §4: one fitted model of each classifier scored from 8 threads at once gives the single-thread scores.</summary>
public class ConcurrentScoringTests
{
    public static TheoryData<string> Trainers => new() { "logistic", "mlp-binary", "mlp-multiclass" };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void OneModel_ScoredFromEightThreads_GivesTheSingleThreadScores(string trainer)
    {
        var ml = new MLContext(seed: 0);
        var raw = TestData.Load(ml, trainer == "mlp-multiclass" ? "iris.csv" : "breast_cancer.csv");
        IEstimator<ITransformer> prepare = trainer == "mlp-multiclass"
            ? ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features"))
            : ml.Transforms.NormalizeMeanVariance("Features");
        IEstimator<ITransformer> estimator = trainer switch
        {
            "logistic" => prepare.Append(ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01)),
            "mlp-binary" => prepare.Append(ml.BinaryClassification.Trainers.Mlp(hiddenLayerSizes: [8], numberOfEpochs: 20, seed: 1)),
            _ => prepare.Append(ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [8], numberOfEpochs: 20, seed: 1)),
        };
        var model = estimator.Fit(raw);
        string[] Scores() => trainer == "mlp-multiclass"
            ? model.Transform(raw).GetColumn<VBuffer<float>>("Score").Select(v => string.Join(",", v.DenseValues())).ToArray()
            : model.Transform(raw).GetColumn<float>("Score").Select(s => s.ToString("R", CultureInfo.InvariantCulture)).ToArray();
        var expected = Scores();

        var results = new string[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t => results[t] = Scores());
        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
