namespace Fnagent.Functions;

/// <summary>Who may call a function (func.yml or app.yml <c>auth</c>).</summary>
public enum CallAuth
{
    /// <summary>Anyone who can reach the agent: the default, as in Fn.</summary>
    Open,

    /// <summary>Only a caller with the admin token (<c>Authorization: Bearer</c>).</summary>
    Token,
}
