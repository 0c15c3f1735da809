namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// The random streams of MLP training, each a <see cref="Random"/> seeded from (seed, stream) alone: the initial weights,
/// the validation split, and one stream per epoch for its shuffle. Because an epoch's shuffle does not depend on the
/// epochs before it, a fit continued from epoch k draws exactly what one longer fit draws from epoch k + 1 on.
/// </summary>
internal static class TrainingRandom
{
    public const int InitializationStream = -1;
    public const int ValidationSplitStream = -2;

    /// <summary>The stream <paramref name="stream"/> (an epoch number ≥ 1, or one of the constants) of <paramref name="seed"/>.</summary>
    public static Random For(int seed, int stream)
    {
        // SplitMix64's finaliser: neighbouring (seed, stream) pairs give unrelated seeds for Random's generator.
        ulong z = ((ulong)(uint)seed << 32 | (uint)stream) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & int.MaxValue));
    }

    /// <summary>
    /// The rows of epoch <paramref name="epoch"/> in the order it visits them: 0, 1, …, n − 1 shuffled by the epoch's
    /// stream (.NET's <see cref="Random.Shuffle{T}(T[])"/>, the one shuffle of the MLP), or left in order.
    /// </summary>
    public static void EpochOrder(int[] order, int seed, int epoch, bool shuffle)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (shuffle) For(seed, epoch).Shuffle(order);
    }
}
