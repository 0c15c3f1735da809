using Microsoft.ML;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Training;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// The learning-rate schedules, the plateau test and the stratified validation split against scikit-learn 1.2.1
/// (numpy 1.24.2), recorded by <c>Reference/scikit_learn_mlp_reference.py</c>: both libraries train the same 2-3-1 tanh
/// regression network from the same initial weights (a formula, no random numbers), full batch, no shuffling, in
/// Single precision, so every epoch's loss, the epoch training stops at, the final learning rate and the final weights
/// must agree to rounding.
/// </summary>
public class MlpScikitLearnReferenceTests
{
    private sealed record ScikitLearnRun(int NumberOfEpochs, double LearningRate, double[] LossCurve, double[] Weights);

    private static readonly ScikitLearnRun Invscaling = new(
        NumberOfEpochs: 20, LearningRate: 0.03220783132004154,
        LossCurve: [0.44225775643438103, 0.36646906995773315, 0.3521182397976517, 0.342076789483428, 0.3339116133600473, 0.32683999491482973, 0.3204993693083525, 0.3146887999624014, 0.3092844064459205, 0.3042035632133484, 0.29938838536292317, 0.2947967263758183, 0.2903965146243572, 0.2861631897836924, 0.28207716923952103, 0.2781226856559515, 0.2742868926078081, 0.2705591493844986, 0.2669303949922323, 0.2633931182920933],
        Weights: [0.287900447845459, 0.323358416557312, -0.13619130849838257, 0.3890674412250519, -0.4023011028766632, -0.23592080175876617, 0.05021670088171959, -0.006945391185581684, -0.08825285732746124, -0.0023387083783745766, 0.5142377018928528, 0.229307159781456, 0.003830716945230961]);

    private static readonly ScikitLearnRun Plateau = new(
        NumberOfEpochs: 31, LearningRate: 0.05,
        LossCurve: [0.44225775643438103, 0.4259467828422785, 0.40490683419257395, 0.38120070718973875, 0.35629941312223673, 0.33098471848666666, 0.30542490002512934, 0.2793710582777858, 0.2524164692461491, 0.2242609698176384, 0.19492641253769397, 0.16487808576226234, 0.13502715331315995, 0.10661461567878723, 0.08100448048114776, 0.059435447841882705, 0.042789348870515824, 0.031428791522979733, 0.025139403626322745, 0.02318417052924633, 0.024450262561440467, 0.02764948402345181, 0.031525512769818305, 0.035026180773973466, 0.03741385754942894, 0.03830430510640144, 0.0376413234770298, 0.03562563183903694, 0.032620893612504004, 0.029058609247207642, 0.025357545062899594],
        Weights: [0.26184770464897156, 1.086618185043335, 0.350070595741272, 0.38793060183525085, -0.6228733062744141, -0.48488563299179077, 0.006273246370255947, 0.2199113368988037, -0.09259755909442902, 0.17807818949222565, 1.4349850416183472, 0.13207674026489258, -0.17816048860549927]);

    private static readonly ScikitLearnRun Adaptive = new(
        NumberOfEpochs: 68, LearningRate: 5.120000000000001e-07,
        LossCurve: [0.44225775643438103, 0.40896691219508646, 0.38191859784722326, 0.35844833585619923, 0.3368624055236578, 0.3160901099666953, 0.2954898398220539, 0.27473376108706, 0.25372938279807566, 0.23255991949141022, 0.21143202814459797, 0.19062780217826367, 0.17046091446280479, 0.1512381125986576, 0.13322865453362465, 0.11664275273680687, 0.10162001177668571, 0.08822733426094055, 0.0764643307030201, 0.06627392160892487, 0.0575557319521904, 0.05018037110567094, 0.04400220289826393, 0.038870445400476454, 0.034637565553188324, 0.03116518537700176, 0.028327723935246466, 0.02601423721015454, 0.024128847524523735, 0.022590231716632842, 0.021330428287386894, 0.020293469086289408, 0.01943374888598919, 0.018714460983872413, 0.018106154277920724, 0.017585467830300332, 0.0171339730322361, 0.017052663564682005, 0.01697325486689806, 0.016895675249397755, 0.01681982147693634, 0.016804914169013502, 0.016790084294974805, 0.016775307066738604, 0.016760593242943288, 0.016757664799690247, 0.016754733622074126, 0.01675181245058775, 0.01674888866394758, 0.01674830674380064, 0.01674771923571825, 0.016747140169143675, 0.016746553532779217, 0.016746439047157766, 0.016746324501931666, 0.016746201515197755, 0.016746095351874827, 0.01674606626480818, 0.016746041715145113, 0.016746019087731837, 0.016745990812778472, 0.016745988197624684, 0.016745986513793467, 0.016745977379381657, 0.016745970107614992, 0.016745969176292418, 0.016745969176292418, 0.016745966382324694],
        Weights: [0.35507020354270935, 0.9020740389823914, 0.14828281104564667, 0.35031449794769287, -0.4792855381965637, -0.3515447974205017, 0.03461948782205582, 0.12196338176727295, -0.09716882556676865, 0.1436232179403305, 1.2585437297821045, 0.37100836634635925, -0.08473922312259674]);

    private static (float[][] X, float[] Y) Rows()
    {
        var x = Enumerable.Range(0, 12).Select(i => new[] { (float)Math.Sin(i), (float)Math.Cos(1.7 * i) }).ToArray();
        var y = x.Select(r => r[0] - 0.5f * r[1] + 0.3f * r[0] * r[1]).ToArray();
        return (x, y);
    }

    /// <summary>W[l][i, j] = 0.4·sin(1 + i + 2j + 5l), b[l][j] = 0.1·cos(1 + j + 3l), as the script builds them; a fresh state.</summary>
    private static MlpModelParameters Start(MlpOptions options)
    {
        var network = new MlpNetwork([2, 3, 1], MlpActivation.Tanh, 0.01f);
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            var p = network.Parameters.AsSpan(layer.Offset, layer.ParameterCount);
            for (int i = 0; i < layer.Inputs; i++)
                for (int j = 0; j < layer.Outputs; j++) p[i * layer.Outputs + j] = (float)(0.4 * Math.Sin(1 + i + 2 * j + 5 * l));
            for (int j = 0; j < layer.Outputs; j++) p[layer.WeightCount + j] = (float)(0.1 * Math.Cos(1 + j + 3 * l));
        }
        var fresh = new MlpTrainingState(0, 0, 0, options.Optimizer, 0, null, null, options.LearningRate, 0, double.PositiveInfinity, 0, 1, null);
        return new MlpModelParameters(MlpTask.Regression, network, [], null, 0, null, state: fresh);
    }

    private static MlpModelParameters Train(MlpOptions options)
    {
        var ml = new MLContext(seed: 0);
        var (x, y) = Rows();
        options.HiddenLayerSizes = [3];
        options.Activation = MlpActivation.Tanh;
        options.BatchSize = 12;
        options.Shuffle = false;
        options.L2Regularization = 1e-3; // scikit-learn's alpha = 1e-3 · 12
        return ml.Regression.Trainers.Mlp(options).Fit(TestData.FromRows(ml, x, y), Start(options)).Model;
    }

    private static void AssertAgrees(ScikitLearnRun expected, MlpModelParameters actual)
    {
        Assert.Equal(expected.NumberOfEpochs, actual.EpochsTrained);
        Assert.Equal(expected.LossCurve.Length, actual.TrainingLoss.Count);
        for (int e = 0; e < expected.LossCurve.Length; e++)
            Assert.True(Math.Abs(expected.LossCurve[e] - actual.TrainingLoss[e]) <= 2e-6 * expected.LossCurve[e] + 1e-8,
                $"epoch {e + 1}: scikit-learn {expected.LossCurve[e]}, ours {actual.TrainingLoss[e]}");
        Assert.Equal(expected.LearningRate, actual.LearningRate, 1e-9 * expected.LearningRate);
        var weights = actual.GetWeights(0).Concat(actual.GetBiases(0)).Concat(actual.GetWeights(1)).Concat(actual.GetBiases(1)).ToArray();
        for (int i = 0; i < weights.Length; i++) Assert.Equal(expected.Weights[i], weights[i], 2e-5);
    }

    [Fact]
    public void Fit_SgdInverseScaling_MatchesScikitLearnEpochByEpoch()
    {
        // η_e = 0.5 / (12·(e − 1) + 1)^0.5: the 20th epoch used 0.5/√229; the rate reported after the fit is the next
        // epoch's, 0.5/√241 = 0.032208 (scikit-learn updates it at the end of each epoch).
        var model = Train(new MlpOptions
        {
            Optimizer = MlpOptimizer.Sgd,
            LearningRateSchedule = MlpLearningRateSchedule.InverseScaling,
            LearningRate = 0.5,
            PowerT = 0.5,
            NumberOfEpochs = 20,
            StopOnTrainingLossPlateau = false,
        });
        AssertAgrees(Invscaling, model);
        Assert.Equal(20L * 12, model.RowsSeen);
    }

    [Fact]
    public void Fit_NesterovMomentum_StopsWhenScikitLearnsPlateauTestDoes()
    {
        // Defaults of the plateau test (tolerance 1e-4, patience 10): the loss bottoms out at epoch 20 and rises, and
        // training stops at epoch 31, the 11th epoch without an improvement, as in scikit-learn.
        var model = Train(new MlpOptions
        {
            Optimizer = MlpOptimizer.Momentum,
            Momentum = 0.9,
            Nesterov = true,
            LearningRate = 0.05,
            NumberOfEpochs = 1000,
        });
        AssertAgrees(Plateau, model);
    }

    [Fact]
    public void Fit_SgdAdaptive_DividesTheRateAtEachPlateauAndStopsAtScikitLearnsFloor()
    {
        // 0.2 → 0.04 → … → 5.12e-7: divided by 5 at every plateau (tolerance 1e-3, patience 3) until the rate is at or
        // below 1e-6 when the test fires again, at epoch 68.
        var model = Train(new MlpOptions
        {
            Optimizer = MlpOptimizer.Sgd,
            LearningRateSchedule = MlpLearningRateSchedule.Adaptive,
            LearningRate = 0.2,
            NumberOfEpochs = 1000,
            Tolerance = 1e-3,
            Patience = 3,
        });
        AssertAgrees(Adaptive, model);
    }

    [Theory]
    [InlineData(new[] { 90, 10 }, 0.1, new[] { 9, 1 })]
    [InlineData(new[] { 47, 57, 38 }, 0.1, new[] { 5, 6, 4 })]
    [InlineData(new[] { 5, 5, 5 }, 0.2, new[] { 1, 1, 1 })]
    [InlineData(new[] { 2, 3, 95 }, 0.15, new[] { 0, 1, 14 })]
    public void ValidationSplit_HoldsOutEachClassAsScikitLearnsStratifiedSplit(int[] counts, double fraction, int[] heldOut)
    {
        var labels = counts.SelectMany((c, k) => Enumerable.Repeat((float)k, c)).ToArray();
        int n = labels.Length;
        var data = new MlNetExtensions.Data.TrainingSet(new MlNetExtensions.Data.DenseRows(new float[n], n, 1), labels,
            Enumerable.Repeat(1f, n).ToArray(), new MlNetExtensions.Data.ReadSummary(n, n, 0, n));
        var (train, validation) = ValidationSplit.Split(data, fraction, counts.Length, seed: 3);
        Assert.Equal(heldOut, Enumerable.Range(0, counts.Length).Select(k => validation.Labels.Count(v => v == k)));
        Assert.Equal(n - heldOut.Sum(), train.Count);
    }
}
