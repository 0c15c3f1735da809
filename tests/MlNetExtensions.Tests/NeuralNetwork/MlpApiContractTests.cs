using Microsoft.ML;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// The public names the README documents, called with named arguments: renaming any of them breaks this file's build.
/// </summary>
public class MlpApiContractTests
{
    [Fact]
    public void EveryMlpCatalogMethod_AcceptsTheContractsNamedArguments()
    {
        var ml = new MLContext(seed: 1);
        MlpTrainer regression = ml.Regression.Trainers.Mlp(labelColumnName: "Label", featureColumnName: "Features",
            hiddenLayerSizes: [4], activation: MlpActivation.Tanh, numberOfEpochs: 2, seed: 1);
        MlpTrainer binary = ml.BinaryClassification.Trainers.Mlp(labelColumnName: "Label", featureColumnName: "Features",
            hiddenLayerSizes: null, activation: MlpActivation.Relu, numberOfEpochs: 2, seed: 1);
        MlpTrainer multiclass = ml.MulticlassClassification.Trainers.Mlp(labelColumnName: "Label", featureColumnName: "Features",
            hiddenLayerSizes: [], activation: MlpActivation.LeakyRelu, numberOfEpochs: 2, seed: null);
        var options = new MlpOptions
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Features",
            ExampleWeightColumnName = null,
            HiddenLayerSizes = [3, 2],
            Activation = MlpActivation.Sigmoid,
            LeakyReluSlope = 0.01,
            Optimizer = MlpOptimizer.Momentum,
            LearningRate = 1e-3,
            LearningRateSchedule = MlpLearningRateSchedule.Constant,
            PowerT = 0.5,
            Momentum = 0.9,
            Nesterov = true,
            Beta1 = 0.9,
            Beta2 = 0.999,
            Epsilon = 1e-8,
            BatchSize = null,
            NumberOfEpochs = 2,
            L2Regularization = 1e-4,
            StandardizeLabel = true,
            Seed = 1,
            Shuffle = true,
            StopOnTrainingLossPlateau = true,
            EarlyStopping = false,
            ValidationFraction = 0.1,
            Patience = 10,
            Tolerance = 1e-4,
            NumberOfThreads = null,
            Progress = null,
        };
        _ = ml.Regression.Trainers.Mlp(options: options);
        _ = ml.BinaryClassification.Trainers.Mlp(options: options);
        _ = ml.MulticlassClassification.Trainers.Mlp(options: options);
        Assert.Equal([MlpOptimizer.Sgd, MlpOptimizer.Momentum, MlpOptimizer.Adam, MlpOptimizer.Lbfgs], Enum.GetValues<MlpOptimizer>());
        Assert.Equal([MlpLearningRateSchedule.Constant, MlpLearningRateSchedule.InverseScaling, MlpLearningRateSchedule.Adaptive],
            Enum.GetValues<MlpLearningRateSchedule>());
        Assert.Equal([MlpActivation.Identity, MlpActivation.Sigmoid, MlpActivation.Tanh, MlpActivation.Relu, MlpActivation.LeakyRelu],
            Enum.GetValues<MlpActivation>());

        var fitted = regression.Fit(MlpData.Diabetes(ml));
        ISingleFeaturePredictionTransformer<MlpModelParameters> transformer = fitted;
        MlpModelParameters model = transformer.Model;
        IReadOnlyList<int> sizes = model.LayerSizes;
        IReadOnlyList<double> curve = model.TrainingLoss;
        float[] weights = model.GetWeights(layer: 0);
        Assert.Equal([10, 4, 1], sizes);
        Assert.Equal(2, curve.Count);
        Assert.Equal(40, weights.Length);
        MlpPredictionTransformer continued = regression.Fit(input: MlpData.Diabetes(ml), model: model);
        Assert.Equal(4, continued.Model.EpochsTrained);
        Assert.Equal(MlpTask.Regression, regression.Task);
        Assert.Equal(MlpTask.BinaryClassification, binary.Task);
        Assert.Equal(MlpTask.MulticlassClassification, multiclass.Task);
    }

    [Fact]
    public void Defaults_FollowScikitLearn()
    {
        var o = new MlpOptions();
        Assert.Null(o.HiddenLayerSizes);
        Assert.Equal(MlpActivation.Relu, o.Activation);
        Assert.Equal(MlpOptimizer.Adam, o.Optimizer);
        Assert.Equal(1e-3, o.LearningRate);
        Assert.Equal(0.9, o.Beta1);
        Assert.Equal(0.999, o.Beta2);
        Assert.Equal(1e-8, o.Epsilon);
        Assert.Null(o.BatchSize);
        Assert.Equal(1e-4, o.L2Regularization);
        Assert.Equal(200, o.NumberOfEpochs);
        Assert.True(o.Shuffle);
        Assert.Equal(0.01, o.LeakyReluSlope);
        Assert.Equal(0.1, o.ValidationFraction);
        Assert.Equal(10, o.Patience);
        Assert.Equal(1e-4, o.Tolerance);
        Assert.True(o.StopOnTrainingLossPlateau);
        Assert.False(o.EarlyStopping);
        Assert.Equal(MlpLearningRateSchedule.Constant, o.LearningRateSchedule);
        Assert.Equal(0.5, o.PowerT);
        Assert.True(o.StandardizeLabel);
    }
}
