using Microsoft.ML;
using MlNetExtensions.Interop;

namespace MlNetExtensions.Tests.Persistence;

public class MlNetInternalsTests
{
    [Fact]
    public void VerifyAvailable_EveryInternalMemberOfMicrosoftMl501_IsFound()
    {
        // Fails loudly, naming the missing constructor, if a Microsoft.ML upgrade moves one of them.
        Assert.Null(Record.Exception(MlNetInternals.VerifyAvailable));
    }

    [Fact]
    public void GetEnvironment_FromTrainerCatalog_IsTheUsersContext()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.Message);
        var env = MlNetInternals.GetEnvironment(ml.Regression.Trainers);
        using (var ch = env.Start("probe")) ch.Info(Microsoft.ML.Runtime.MessageSensitivity.None, "hello from the bridge");
        Assert.Contains(messages, m => m.Contains("hello from the bridge"));
    }

    [Fact]
    public void CancelExecution_IsSeenByIsCanceled()
    {
        var ml = new MLContext(seed: 1);
        var env = MlNetInternals.GetEnvironment(ml.Regression.Trainers);
        Assert.False(MlNetInternals.IsCanceled(env));
        MlNetInternals.CancelExecution(ml);
        Assert.True(MlNetInternals.IsCanceled(env));
        Assert.Throws<OperationCanceledException>(() => MlNetInternals.ThrowIfCanceled(env));
    }
}
