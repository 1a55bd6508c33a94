namespace CodexPS.Engine.Protocol;

/// <summary>A ChatGPT device-code login in progress: the page to open and the code to enter there.</summary>
public sealed class CodexDeviceCodeLogin
{
    internal CodexDeviceCodeLogin(string loginId, string verificationUrl, string userCode)
    {
        LoginId = loginId;
        VerificationUrl = verificationUrl;
        UserCode = userCode;
    }

    /// <summary>The runtime's id for this login attempt.</summary>
    public string LoginId { get; }

    /// <summary>The page where the user enters the code.</summary>
    public string VerificationUrl { get; }

    /// <summary>The code the user types on the verification page.</summary>
    public string UserCode { get; }
}
