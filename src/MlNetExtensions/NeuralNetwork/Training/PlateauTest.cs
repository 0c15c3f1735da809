namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// scikit-learn's <c>n_iter_no_change</c> test, exactly: an epoch whose loss is not at least <c>tolerance</c> below the
/// best so far adds one to the counter, any other resets it; any loss below the best becomes the best. The test fires
/// when the counter exceeds <c>patience</c>, i.e. at the (patience + 1)-th such epoch in a row.
/// </summary>
internal sealed class PlateauTest(double tolerance, int patience, int count = 0, double best = double.PositiveInfinity)
{
    public int Count { get; private set; } = count;
    public double Best { get; private set; } = best;

    /// <summary>Records one epoch's loss; true when it is a new best (the caller may keep these weights).</summary>
    public bool Record(double loss)
    {
        Count = loss > Best - tolerance ? Count + 1 : 0;
        if (!(loss < Best)) return false;
        Best = loss;
        return true;
    }

    public bool Fired => Count > patience;

    /// <summary>After the adaptive schedule has reacted (or a fit stopped), the next epochs get a fresh count.</summary>
    public void Reset() => Count = 0;
}
