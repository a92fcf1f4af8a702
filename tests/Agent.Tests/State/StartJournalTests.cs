using Fnagent.State;

namespace Fnagent.Agent.Tests.State;

public sealed class StartJournalTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("fnagent-journal-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void StartsNotTakenBackOrEndedAreWhatTheNextStartReads()
    {
        string running = CallId.New(DateTimeOffset.UtcNow), released = CallId.New(DateTimeOffset.UtcNow), twice = CallId.New(DateTimeOffset.UtcNow);
        using (var journal = new StartJournal(_data))
        {
            Assert.True(journal.TryStart(running));
            Assert.False(journal.TryStart(running));
            Assert.True(journal.TryStart(released));
            journal.Unstart(released);
            Assert.True(journal.TryStart(twice));
        }

        using (var again = new StartJournal(_data))
        {
            // A second agent on the same file: what the first started is still in it.
            Assert.True(again.TryStart(twice));
        }

        var starts = StartJournal.Read(_data);
        Assert.Equal(1, starts[running]);
        Assert.Equal(0, starts[released]);
        Assert.Equal(2, starts[twice]);
    }

    [Fact]
    public void ALineCutShortByACrashIsNoStart()
    {
        var id = CallId.New(DateTimeOffset.UtcNow);
        File.WriteAllText(Path.Combine(_data, StartJournal.FileName), $"+{id}\n+{id[..10]}");
        Assert.Equal(new Dictionary<string, int> { [id] = 1 }, StartJournal.Read(_data));
    }

    [Fact]
    public void ManyCallsLaterTheFileHoldsTheRunningOnesOnly()
    {
        var stillRunning = CallId.New(DateTimeOffset.UtcNow);
        using (var journal = new StartJournal(_data))
        {
            Assert.True(journal.TryStart(stillRunning));
            for (var i = 0; i < 100_000; i++)
            {
                var id = CallId.New(DateTimeOffset.UtcNow);
                Assert.True(journal.TryStart(id));
                journal.Ended(id);
            }
        }

        Assert.True(new FileInfo(Path.Combine(_data, StartJournal.FileName)).Length < 2 << 20);
        var starts = StartJournal.Read(_data).Where(kv => kv.Value > 0).Select(kv => kv.Key).ToList();
        Assert.Contains(stillRunning, starts);
        Assert.True(starts.Count < 100_000 / 2, $"{starts.Count} calls still listed as started");
    }
}
