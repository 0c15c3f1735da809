namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// What a fit leaves behind, beyond the weights, so that a continued fit (<c>MlpTrainer.Fit(data, model)</c>) goes on
/// exactly where it stopped: the random streams (seed and epoch counter), the optimizer's moments and step count, the
/// learning-rate schedule's position, the plateau test's counter, and the label standardisation with the output biases
/// in the standardised units (folding the label mean into a Single bias rounds, so they cannot be recovered from it).
/// </summary>
/// <param name="Seed">The seed every random stream of the training derives from (see <see cref="TrainingRandom"/>).</param>
/// <param name="EpochsTrained">Epochs run so far over all fits (L-BFGS: iterations); the next fit starts at the one after.</param>
/// <param name="RowsSeen">Training rows processed so far over all fits (the t of inverse scaling).</param>
/// <param name="Optimizer">The optimizer whose state follows.</param>
/// <param name="OptimizerSteps">Parameter updates made so far (Adam's t in its bias correction).</param>
/// <param name="FirstMoments">Adam's m or momentum's velocity, one per parameter; null for SGD and L-BFGS.</param>
/// <param name="SecondMoments">Adam's v, one per parameter; null otherwise.</param>
/// <param name="LearningRate">The learning rate the next epoch would use (the adaptive schedule resumes from it); NaN for L-BFGS.</param>
/// <param name="EpochsWithoutImprovement">The training-loss plateau test's counter going into the next epoch.</param>
/// <param name="BestLoss">The best training loss the plateau test has seen (+∞ before the first epoch).</param>
/// <param name="LabelShift">μ of the regression label standardisation (0 when off or for classifiers).</param>
/// <param name="LabelScale">s of the regression label standardisation, a power of two (1 when off or for classifiers).</param>
/// <param name="StandardizedOutputBiases">The output biases in standardised units; null when the label was not standardised.</param>
internal sealed record MlpTrainingState(
    int Seed,
    int EpochsTrained,
    long RowsSeen,
    MlpOptimizer Optimizer,
    long OptimizerSteps,
    float[]? FirstMoments,
    float[]? SecondMoments,
    double LearningRate,
    int EpochsWithoutImprovement,
    double BestLoss,
    double LabelShift,
    double LabelScale,
    float[]? StandardizedOutputBiases)
{
    /// <summary>
    /// The state of a model whose training state was not kept (one restored from a file that does not carry it): the
    /// epoch counter from its loss curve, the options' seed and optimizer, no moments, no label standardisation. A
    /// continued fit from it starts fresh moments and draws epochs after the counter.
    /// </summary>
    public static MlpTrainingState NotKept(int epochs, MlpOptions? options)
        => new(options?.Seed ?? 0, epochs, 0, options?.Optimizer ?? MlpOptions.Defaults.Optimizer, 0, null, null, double.NaN, 0,
            double.PositiveInfinity, 0, 1, null);
}
