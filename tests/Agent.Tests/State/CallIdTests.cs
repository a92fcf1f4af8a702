using Fnagent.State;

namespace Fnagent.Agent.Tests.State;

public sealed class CallIdTests
{
    [Fact]
    public void AnIdAndItsValueRoundTripAndSortAlike()
    {
        var earlier = CallId.New(DateTimeOffset.UnixEpoch.AddYears(50));
        var later = CallId.New(DateTimeOffset.UnixEpoch.AddYears(50).AddMilliseconds(1));

        Assert.True(CallId.TryParse(earlier, out var a));
        Assert.True(CallId.TryParse(later, out var b));
        Assert.Equal(earlier, CallId.Format(a));
        Assert.Equal(later, CallId.Format(b));
        Assert.True(a < b);
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }
}
