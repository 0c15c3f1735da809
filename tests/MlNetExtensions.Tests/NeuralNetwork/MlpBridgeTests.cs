using MlNetExtensions.Interop;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpBridgeTests
{
    [Fact]
    public void MlNetInternals_EveryInternalMemberTheMlpUses_IsPresentInTheInstalledMicrosoftML()
    {
        // Fails naming the missing constructor or property if a Microsoft.ML upgrade moved one (see Interop/MlNetInternals.cs).
        MlNetInternals.VerifyAvailable();
    }
}
