using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Conformance;

/// <summary>ML.NET's estimator workout (<see cref="EstimatorConformance"/>) on every catalog entry point of this library.</summary>
public class EstimatorConformanceTests
{
    private readonly MLContext _ml = new(seed: 1);

    /// <summary>The diabetes rows with their 10 features, and the same rows with 3 (what a changed featurization gives).</summary>
    private (IDataView Valid, IDataView Invalid) Regression()
    {
        var valid = TestData.Load(_ml, "diabetes.train.csv");
        var x = valid.GetColumn<float[]>("Features").ToArray();
        var y = valid.GetColumn<float>("Label").ToArray();
        return (valid, TestData.FromRows(_ml, x.Select(r => r[..3]).ToArray(), y));
    }

    private (IDataView Valid, IDataView Invalid) Binary()
    {
        var valid = TestData.Load(_ml, "breast_cancer.train.csv");
        var x = valid.GetColumn<float[]>("Features").ToArray();
        var y = valid.GetColumn<float>("Label").ToArray();
        return (valid, TestData.FromRows(_ml, x.Select(r => r[..5]).ToArray(), y));
    }

    private (IDataView Valid, IDataView Invalid) Multiclass()
    {
        var key = _ml.Transforms.Conversion.MapValueToKey("Label");
        var iris = TestData.Load(_ml, "iris.train.csv");
        var valid = key.Fit(iris).Transform(iris);
        var x = iris.GetColumn<float[]>("Features").ToArray();
        var y = iris.GetColumn<float>("Label").ToArray();
        var narrow = TestData.FromRows(_ml, x.Select(r => r[..2]).ToArray(), y);
        return (valid, key.Fit(narrow).Transform(narrow));
    }

    [Fact]
    public void ClosedFormLinearRegression_BothOverloads()
    {
        var (valid, invalid) = Regression();
        EstimatorConformance.Check(_ml, _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 0.1), valid, invalid);
        EstimatorConformance.Check(_ml, _ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
        {
            Solver = LinearRegressionSolver.ConjugateGradient,
            FeatureLayout = FeatureLayout.Sparse,
        }), valid, invalid);
    }

    [Fact]
    public void PoissonRegression()
    {
        var valid = TestData.Load(_ml, "bike_sharing_daily.train.csv");
        EstimatorConformance.Check(_ml, _ml.Regression.Trainers.PoissonRegression(), valid, Regression().Valid);
    }

    [Fact]
    public void BceLogisticRegression_BothOverloads()
    {
        var (valid, invalid) = Binary();
        EstimatorConformance.Check(_ml, _ml.BinaryClassification.Trainers.BceLogisticRegression(), valid, invalid);
        EstimatorConformance.Check(_ml, _ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            L1Regularization = 1e-3,
            FeatureLayout = FeatureLayout.Sparse,
        }), valid, invalid);
    }

    [Fact]
    public void Mlp_Regression()
    {
        var (valid, invalid) = Regression();
        EstimatorConformance.Check(_ml, _ml.Regression.Trainers.Mlp(hiddenLayerSizes: [8], numberOfEpochs: 5, seed: 1), valid, invalid,
            plainLoadTolerance: 1e-6);
    }

    [Fact]
    public void Mlp_Binary()
    {
        var (valid, invalid) = Binary();
        EstimatorConformance.Check(_ml, _ml.BinaryClassification.Trainers.Mlp(new MlpOptions
        {
            HiddenLayerSizes = [6, 4],
            Activation = MlpActivation.Tanh,
            NumberOfEpochs = 5,
            Seed = 2,
        }), valid, invalid, plainLoadTolerance: 1e-6);
    }

    [Fact]
    public void Mlp_Multiclass()
    {
        var (valid, invalid) = Multiclass();
        EstimatorConformance.Check(_ml, _ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [5], numberOfEpochs: 5, seed: 3), valid, invalid,
            plainLoadTolerance: 1e-6);
    }
}
