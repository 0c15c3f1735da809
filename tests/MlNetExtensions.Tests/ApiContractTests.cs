using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MlNetExtensions.Tests;

/// <summary>
/// The public names that samples, docs and outside checks rely on. Every call uses named arguments, so a
/// renamed parameter or method breaks this build.
/// </summary>
public class ApiContractTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void ClosedFormLinearRegression_BothOverloads_KeepTheirNames()
    {
        ClosedFormLinearRegressionTrainer simple = _ml.Regression.Trainers.ClosedFormLinearRegression(
            labelColumnName: "Label", featureColumnName: "Features", exampleWeightColumnName: null, l2Regularization: 0);
        ClosedFormLinearRegressionTrainer withOptions = _ml.Regression.Trainers.ClosedFormLinearRegression(
            options: new ClosedFormLinearRegressionTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = "Features",
                ExampleWeightColumnName = null,
                L2Regularization = 0.5,
                ComputeStatistics = true,
                NumberOfThreads = 1,
            });
        IEstimator<ISingleFeaturePredictionTransformer<LinearRegressionModelParameters>> asTrainer = simple;
        Assert.NotNull(asTrainer);
        Assert.False(withOptions.Info.NeedNormalization);
    }
}
