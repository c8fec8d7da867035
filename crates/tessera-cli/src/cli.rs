//! The command line, as clap derive types. Doc comments here are the help text.

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Data goes to stdout (tokens as text; keys, claims and results as JSON); diagnostics go to stderr.
Every FILE argument also takes `-` for stdin.

Exit status:
  0  success
  1  the input was understood but rejected (bad signature, expired, wrong audience,
     decryption failure)
  2  usage error or unreadable input (missing file, malformed JSON, JWK or token)

Examples:
  tessera jwk generate --alg ES256 --kid k1 > key.json
  echo -n 'hello' | tessera jws sign --key key.json > token
  tessera jws verify --key key.json --alg ES256 < token
  tessera jwt decode eyJhbGciOi...
  tessera pkce
  tessera demo          (a narrated walk-through on 127.0.0.1; also a smoke test)";

const DEMO_LONG_ABOUT: &str =
    "Run a self-contained walk-through of tessera, narrated step by step with the real \
values:

  1. a provider generates an ES256 signing key and publishes its JWK Set on a tiny HTTP server
     bound to 127.0.0.1 (a free port, started and stopped by the demo);
  2. the provider issues an ID token (iss, sub, aud, exp, iat, nonce, email);
  3. a relying party verifies it through the remote JWK Set cache over HTTP (tessera-reqwest);
  4. tokens that must be refused are refused, with precise errors: tampered claims, wrong
     audience, expired, alg \"none\", HS256 signed with the public key;
  5. the provider rotates its key: the first token with the new kid costs exactly one refetch,
     a token with an invented kid none (30 s cooldown);
  6. a nested JWT (signed, then encrypted with ECDH-ES+A256KW to an X25519 key) is decrypted and
     verified;
  7. PKCE: a code verifier, its S256 challenge, and the server-side check.

Time is a fixed clock (1800000000, 2027-01-15T08:00:00Z), so everything but keys, tokens and the
port is the same on every run. Nothing leaves 127.0.0.1 and nothing is written unless --out is
given. The demo checks its own expectations: exit status 0 when every step behaved as expected,
1 when one did not (the narration stops there and stderr says why), 2 when it could not run
(e.g. no loopback socket, an unwritable --out).";

const DEMO_AFTER_HELP: &str = "Examples:\n  tessera demo\n  tessera demo --out demo-files && \
        tessera jwt verify --key demo-files/jwks.json --alg ES256 \\\n      \
        --aud demo-app --now 1800000000 < demo-files/id-token.jwt";

/// JOSE and JWT from the shell: keys, signatures, encryption and tokens, with a stable contract.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate, convert and inspect JSON Web Keys (RFC 7517, RFC 7638).
    #[command(subcommand)]
    Jwk(JwkCommand),
    /// Sign and verify JSON Web Signatures (RFC 7515, RFC 7797).
    #[command(subcommand)]
    Jws(JwsCommand),
    /// Encrypt and decrypt with JSON Web Encryption (RFC 7516).
    #[command(subcommand)]
    Jwe(JweCommand),
    /// Sign, verify and decode JSON Web Tokens (RFC 7519).
    #[command(subcommand)]
    Jwt(JwtCommand),
    /// Print a fresh PKCE code verifier and its S256 challenge as JSON (RFC 7636).
    Pkce(PkceArgs),
    /// Run a narrated, self-checking walk-through on 127.0.0.1: provider, relying party, good and
    /// bad tokens, key rotation, nested JWE, PKCE.
    #[command(long_about = DEMO_LONG_ABOUT, after_help = DEMO_AFTER_HELP)]
    Demo(DemoArgs),
    /// Fetch and print an authorization server's metadata (RFC 8414 at
    /// /.well-known/oauth-authorization-server, falling back to OpenID Connect discovery).
    Discover(DiscoverArgs),
    /// Get tokens from an OAuth 2.x token endpoint; the token response is printed as JSON.
    #[command(subcommand, after_help = OAUTH_AFTER_HELP)]
    Token(TokenCommand),
    /// Ask the server whether a token is active (RFC 7662); prints the response as JSON.
    #[command(after_help = OAUTH_AFTER_HELP)]
    Introspect(IntrospectArgs),
    /// Revoke a token (RFC 7009).
    #[command(after_help = OAUTH_AFTER_HELP)]
    Revoke(RevokeArgs),
    /// Log in with an OpenID Provider in the browser and print who you are: discovery,
    /// authorization code + PKCE on a loopback redirect, the ID token validated against the
    /// provider's keys, UserInfo.
    #[command(after_help = LOGIN_AFTER_HELP)]
    Login(LoginArgs),
    /// Register a client (RFC 7591); prints the registration (client_id, client_secret,
    /// registration_access_token, …) as JSON.
    Register(RegisterArgs),
    /// Follow a protected resource's 401 to its authorization server (RFC 9728) and print the
    /// chain: the resource's metadata and the authorization server's.
    ResourceMetadata(ResourceMetadataArgs),
}

/// `tessera register`.
#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The issuer whose metadata names the registration endpoint.
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "registration_endpoint"
    )]
    pub issuer: Option<String>,
    /// The registration endpoint (instead of, or overriding, the metadata's).
    #[arg(long, value_name = "URL")]
    pub registration_endpoint: Option<String>,
    /// The client metadata: JSON, or a file holding it (`-` for stdin).
    #[arg(long, value_name = "JSON|FILE")]
    pub metadata: String,
    /// A file holding the initial access token, when the server requires one.
    #[arg(long, value_name = "F")]
    pub initial_access_token_file: Option<String>,
}

/// `tessera resource-metadata`.
#[derive(Debug, Args)]
pub(crate) struct ResourceMetadataArgs {
    /// The protected resource's URL.
    #[arg(value_name = "URL")]
    pub url: String,
}

const LOGIN_AFTER_HELP: &str = "\
The authorization URL is printed alone on one line of stderr and opened in the browser (unless
--no-browser); the browser comes back to the loopback redirect URI, which answers with a page
saying whether login succeeded.

On success, stdout is JSON: {\"id_token_claims\": {…}, \"userinfo\": {…} or null, \"token\":
{\"token_type\", \"expires_in\", \"scope\"}}, with access_token and refresh_token only under
--show-tokens; exit 0. Any refusal (discovery, callback, token endpoint, ID token, UserInfo) or
the timeout is exit 1 with one line on stderr naming the check; usage errors exit 2.

Example:
  tessera login --issuer https://accounts.google.com --client-id ID --client-secret-env SECRET \\
      --scope \"openid email\"";

/// `tessera login`.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The OpenID Provider's issuer identifier.
    #[arg(long, value_name = "URL")]
    pub issuer: String,
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub dpop: DpopArgs,
    /// Push the authorization request first (PAR, RFC 9126).
    #[arg(long)]
    pub par: bool,
    /// The scope (`openid` is always included).
    #[arg(long, value_name = "SCOPE", default_value = "openid")]
    pub scope: String,
    /// A resource indicator (RFC 8707); may be given more than once.
    #[arg(long, value_name = "URI")]
    pub resource: Vec<String>,
    /// The loopback redirect URI to listen on (port 0 or none: a free port).
    #[arg(
        long,
        value_name = "URI",
        default_value = "http://127.0.0.1:0/callback"
    )]
    pub redirect_uri: String,
    /// Do not open a browser; only print the URL.
    #[arg(long)]
    pub no_browser: bool,
    /// Include access_token and refresh_token in the output.
    #[arg(long)]
    pub show_tokens: bool,
    /// Give up (exit 1) when the login has not completed within this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

const OAUTH_AFTER_HELP: &str = "\
The server is found from --issuer (RFC 8414 metadata, falling back to OpenID discovery), or given
with --token-endpoint and friends. Secrets and tokens come from files or environment variables,
never from the command line.

Exit status: 0 success (the server's response on stdout as JSON); 1 the server refused (one line
on stderr with the OAuth error code and description) or a check failed; 2 usage error, unreadable
input, or the server could not be reached.

Examples:
  tessera token client-credentials --issuer https://as.example --client-id svc \\
      --client-secret-env SVC_SECRET --scope orders.read
  tessera token device --issuer https://as.example --client-id cli --scope openid
  tessera introspect --issuer https://as.example --client-id rs --client-secret-file rs.secret \\
      --token-file token.txt";

/// Where the authorization server is.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// The issuer identifier; its metadata names the endpoints.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// The token endpoint (instead of, or overriding, the metadata's).
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// The authorization endpoint (for `token code`).
    #[arg(long, value_name = "URL")]
    pub authorization_endpoint: Option<String>,
    /// The device authorization endpoint (for `token device`).
    #[arg(long, value_name = "URL")]
    pub device_authorization_endpoint: Option<String>,
    /// The introspection endpoint.
    #[arg(long, value_name = "URL")]
    pub introspection_endpoint: Option<String>,
    /// The revocation endpoint.
    #[arg(long, value_name = "URL")]
    pub revocation_endpoint: Option<String>,
}

/// How the client authenticates.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// The client identifier.
    #[arg(long, value_name = "ID")]
    pub client_id: String,
    /// A file holding the client secret (a trailing newline is ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "client_secret_env")]
    pub client_secret_file: Option<String>,
    /// An environment variable holding the client secret.
    #[arg(long, value_name = "NAME")]
    pub client_secret_env: Option<String>,
    /// The client authentication method (default: client_secret_basic with a secret, none
    /// without).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub auth_method: Option<AuthMethod>,
    /// The private JWK for private_key_jwt (its "alg" says how to sign).
    #[arg(long, value_name = "JWK_FILE")]
    pub key: Option<String>,
}

/// Client authentication methods (RFC 6749 §2.3, RFC 7523, OpenID Connect Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuthMethod {
    /// HTTP Basic with the form-encoded id and secret.
    #[value(name = "client_secret_basic")]
    ClientSecretBasic,
    /// The id and secret in the request body.
    #[value(name = "client_secret_post")]
    ClientSecretPost,
    /// An HS256 assertion keyed with the secret.
    #[value(name = "client_secret_jwt")]
    ClientSecretJwt,
    /// An assertion signed with --key.
    #[value(name = "private_key_jwt")]
    PrivateKeyJwt,
    /// A public client: only the client id.
    #[value(name = "none")]
    None,
}

/// DPoP for the token and login commands.
#[derive(Debug, Args)]
pub(crate) struct DpopArgs {
    /// Bind the tokens to a DPoP key (RFC 9449): a private JWK file (its "alg" says how to
    /// sign), or a fresh ES256 key when no file is given.
    #[arg(long, value_name = "JWK_FILE", num_args = 0..=1, default_missing_value = "")]
    pub dpop: Option<String>,
}

/// `token_type_hint` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TokenTypeHintArg {
    /// An access token.
    #[value(name = "access_token")]
    AccessToken,
    /// A refresh token.
    #[value(name = "refresh_token")]
    RefreshToken,
}

/// `tessera discover`.
#[derive(Debug, Args)]
pub(crate) struct DiscoverArgs {
    /// The issuer identifier.
    #[arg(value_name = "ISSUER")]
    pub issuer: String,
}

/// What every token request may add.
#[derive(Debug, Args)]
pub(crate) struct ScopeArgs {
    /// The scope to ask for (space-separated).
    #[arg(long, value_name = "S")]
    pub scope: Option<String>,
    /// A resource indicator (RFC 8707); may be given more than once.
    #[arg(long, value_name = "URI")]
    pub resource: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// The client credentials grant (RFC 6749 §4.4).
    ClientCredentials {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        dpop: DpopArgs,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// The refresh token grant (RFC 6749 §6).
    Refresh {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        dpop: DpopArgs,
        /// A file holding the refresh token (`-` for stdin).
        #[arg(long, value_name = "F")]
        refresh_token_file: String,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Token exchange (RFC 8693).
    Exchange {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        dpop: DpopArgs,
        /// A file holding the subject token (`-` for stdin).
        #[arg(long, value_name = "F")]
        subject_token_file: String,
        /// The subject token's type, e.g. urn:ietf:params:oauth:token-type:access_token.
        #[arg(long, value_name = "URN")]
        subject_token_type: String,
        /// A file holding the actor token.
        #[arg(long, value_name = "F", requires = "actor_token_type")]
        actor_token_file: Option<String>,
        /// The actor token's type.
        #[arg(long, value_name = "URN", requires = "actor_token_file")]
        actor_token_type: Option<String>,
        /// The logical name of the target service; may be given more than once.
        #[arg(long, value_name = "A")]
        audience: Vec<String>,
        /// The type of token wanted.
        #[arg(long, value_name = "URN")]
        requested_token_type: Option<String>,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// The JWT bearer grant (RFC 7523).
    JwtBearer {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        dpop: DpopArgs,
        /// A file holding the signed JWT assertion (`-` for stdin).
        #[arg(long, value_name = "F")]
        assertion_file: String,
        /// The scope to ask for.
        #[arg(long, value_name = "S")]
        scope: Option<String>,
    },
    /// The device authorization grant (RFC 8628): shows the user code, then polls.
    Device {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        dpop: DpopArgs,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// The authorization code grant with PKCE: prints the authorization URL, opens the browser
    /// and receives the code on a loopback redirect URI.
    Code {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        dpop: DpopArgs,
        #[command(flatten)]
        scope: ScopeArgs,
        /// The loopback redirect URI to listen on (port 0 or none: a free port).
        #[arg(
            long,
            value_name = "URI",
            default_value = "http://127.0.0.1:0/callback"
        )]
        redirect_uri: String,
        /// Do not open a browser; only print the URL.
        #[arg(long)]
        no_browser: bool,
        /// Push the authorization request first (PAR, RFC 9126); the browser gets only
        /// `client_id` and `request_uri`.
        #[arg(long)]
        par: bool,
    },
}

/// `tessera introspect`.
#[derive(Debug, Args)]
pub(crate) struct IntrospectArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub client: ClientArgs,
    /// A file holding the token (`-` for stdin).
    #[arg(long, value_name = "F")]
    pub token_file: String,
    /// What kind of token it is.
    #[arg(long, value_enum, value_name = "HINT")]
    pub token_type_hint: Option<TokenTypeHintArg>,
}

/// `tessera revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub client: ClientArgs,
    /// A file holding the token (`-` for stdin).
    #[arg(long, value_name = "F")]
    pub token_file: String,
    /// What kind of token it is.
    #[arg(long, value_enum, value_name = "HINT")]
    pub token_type_hint: Option<TokenTypeHintArg>,
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub(crate) enum JwkCommand {
    /// Generate a private JWK for an algorithm.
    ///
    /// oct for HS*, A*KW, A*GCMKW and dir (sized by --enc); RSA (2048 bits unless --bits) for
    /// RS*, PS* and RSA-OAEP*; EC for ES*, and for ECDH-ES* (P-256 unless --crv); Ed25519 for
    /// EdDSA; AKP (RFC 9964: "pub", and the 32-byte seed as "priv") for ML-DSA-44/65/87.
    #[command(
        after_help = "Examples:\n  tessera jwk generate --alg ES256 --kid k1\n  \
        tessera jwk generate --alg dir --enc A256GCM\n  \
        tessera jwk generate --alg ECDH-ES+A256KW --crv X25519\n  \
        tessera jwk generate --alg ML-DSA-65 --kid pq-1"
    )]
    Generate {
        /// The JWS or JWE algorithm the key is for (set as the key's "alg").
        #[arg(long, value_name = "ALG")]
        alg: String,
        /// The key ID ("kid").
        #[arg(long, value_name = "KID")]
        kid: Option<String>,
        /// The content encryption algorithm, which sets the key size for `--alg dir`.
        #[arg(long, value_name = "ENC")]
        enc: Option<String>,
        /// The curve for ECDH-ES keys: P-256 (default), P-384, P-521 or X25519.
        #[arg(long, value_name = "CRV")]
        crv: Option<String>,
        /// The RSA modulus size in bits: 2048 to 8192, a multiple of 8.
        #[arg(long, value_name = "BITS", default_value_t = 2048)]
        bits: usize,
    },
    /// Convert a PEM key (SPKI, PKCS#8, PKCS#1 or SEC1) to a JWK.
    Import {
        /// The PEM file (`-` for stdin).
        #[arg(long, value_name = "FILE")]
        pem: String,
        /// The algorithm to record in the JWK's "alg".
        #[arg(long, value_name = "ALG")]
        alg: Option<String>,
        /// The key ID ("kid") to record.
        #[arg(long, value_name = "KID")]
        kid: Option<String>,
    },
    /// Convert a JWK to PEM: PKCS#8 for a private key, SPKI for a public key.
    Export {
        /// Write PEM (the only format for now; DER is binary and better left to openssl).
        #[arg(long, required = true)]
        pem: bool,
        /// Export only the public half of a private key.
        #[arg(long)]
        public: bool,
        /// The JWK (`-` for stdin).
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// Print the public half of a private JWK or JWK Set.
    ///
    /// Symmetric keys have no public half: a lone oct key is an error, and oct keys are dropped
    /// from a set.
    Public {
        /// The JWK or JWK Set (`-` for stdin).
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// Print the RFC 7638 thumbprint of a JWK (base64url), or its RFC 9278 URI.
    Thumbprint {
        /// Print the thumbprint URI (urn:ietf:params:oauth:jwk-thumbprint:sha-256:...).
        #[arg(long)]
        uri: bool,
        /// The hash function.
        #[arg(long, value_name = "HASH", default_value = "sha-256",
              value_parser = ["sha-256", "sha-384", "sha-512"])]
        hash: String,
        /// The JWK (`-` for stdin).
        #[arg(value_name = "FILE")]
        file: String,
    },
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub(crate) enum JwsCommand {
    /// Sign the payload read from stdin; print the JWS.
    #[command(
        after_help = "Example:\n  echo -n 'hello' | tessera jws sign --key key.json --alg RS256"
    )]
    Sign(JwsSignArgs),
    /// Verify a JWS with a key from an allow-list of algorithms; print the payload.
    #[command(
        after_help = "Example:\n  tessera jws verify --key jwks.json --alg RS256,ES256 eyJhbGciOi..."
    )]
    Verify(JwsVerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct JwsSignArgs {
    /// The private JWK to sign with (or a JWK Set holding exactly one key).
    #[arg(long, value_name = "FILE")]
    pub key: String,
    /// The algorithm. Defaults to the key's "alg", or the only one an EC or Ed25519 key fits.
    #[arg(long, value_name = "ALG")]
    pub alg: Option<String>,
    /// Extra protected header parameters, as a JSON object (e.g. '{"kid":"k1","typ":"JOSE"}').
    #[arg(long, value_name = "JSON")]
    pub header: Option<String>,
    /// Print the general JWS JSON Serialization instead of the compact one.
    #[arg(long, conflicts_with = "flattened")]
    pub json: bool,
    /// Print the flattened JWS JSON Serialization instead of the compact one.
    #[arg(long)]
    pub flattened: bool,
    /// Leave the payload out (compact `header..signature`); verify it with `--payload`.
    #[arg(long)]
    pub detached: bool,
    /// Do not base64url-encode the payload (RFC 7797 "b64": false, listed in "crit").
    #[arg(long)]
    pub unencoded: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JwsVerifyArgs {
    /// The public (or private) JWK, a JWK Set from which the token's "kid" selects the key, or
    /// a PEM key. One key without a "kid" of its own is used whatever the token's "kid".
    #[arg(long, value_name = "FILE")]
    pub key: String,
    /// The algorithms to accept, comma-separated (e.g. RS256,ES256). Required: the token's own
    /// "alg" is never trusted on its own.
    #[arg(long, value_name = "ALG[,ALG...]")]
    pub alg: String,
    /// The detached payload, for a JWS printed with `--detached` (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub payload: Option<String>,
    /// The JWS, compact or JSON, or a file holding it (default `-`: read from stdin).
    #[arg(value_name = "TOKEN|-", default_value = "-", hide_default_value = true)]
    pub token: String,
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub(crate) enum JweCommand {
    /// Encrypt the plaintext read from stdin; print the JWE.
    #[command(after_help = "Examples:\n  \
        echo -n 'secret' | tessera jwe encrypt --key bob.pub.json --alg ECDH-ES+A256KW --enc A256GCM\n  \
        echo -n 'secret' | tessera jwe encrypt --key aes.json --alg A128KW --enc A128CBC-HS256 --json")]
    Encrypt(JweEncryptArgs),
    /// Decrypt a JWE (compact or JSON); print the plaintext.
    #[command(
        after_help = "Example:\n  tessera jwe decrypt --key bob.json --alg ECDH-ES+A256KW eyJhbGciOi..."
    )]
    Decrypt(JweDecryptArgs),
}

#[derive(Debug, Args)]
pub(crate) struct JweEncryptArgs {
    /// The recipient's key: a public (or private) JWK for RSA-OAEP* and ECDH-ES*, an oct JWK
    /// for A*KW, A*GCMKW and dir.
    #[arg(long, value_name = "FILE")]
    pub key: String,
    /// The key management algorithm (e.g. RSA-OAEP-256, ECDH-ES+A256KW, A128KW, dir).
    #[arg(long, value_name = "ALG")]
    pub alg: String,
    /// The content encryption algorithm (e.g. A256GCM, A128CBC-HS256).
    #[arg(long, value_name = "ENC")]
    pub enc: String,
    /// Extra protected header parameters, as a JSON object (e.g. '{"cty":"JWT"}').
    #[arg(long, value_name = "JSON")]
    pub header: Option<String>,
    /// Print the general JWE JSON Serialization instead of the compact one.
    #[arg(long, conflicts_with = "flattened")]
    pub json: bool,
    /// Print the flattened JWE JSON Serialization instead of the compact one.
    #[arg(long)]
    pub flattened: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JweDecryptArgs {
    /// The private (or oct) JWK, or a JWK Set from which the token's "kid" selects the key.
    #[arg(long, value_name = "FILE")]
    pub key: String,
    /// The key management algorithms to accept, comma-separated (default: any the key fits;
    /// PBES2 and RSA1_5 are never accepted).
    #[arg(long, value_name = "ALG[,ALG...]")]
    pub alg: Option<String>,
    /// The content encryption algorithms to accept, comma-separated (default: all).
    #[arg(long, value_name = "ENC[,ENC...]")]
    pub enc: Option<String>,
    /// The JWE, compact or JSON, or a file holding it (default `-`: read from stdin).
    #[arg(value_name = "TOKEN|-", default_value = "-", hide_default_value = true)]
    pub token: String,
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub(crate) enum JwtCommand {
    /// Sign a claims set into a JWT; print the token.
    #[command(after_help = "Examples:\n  \
        tessera jwt sign --key key.json --claims '{\"sub\":\"alice\",\"aud\":\"api\"}' --expires-in 300\n  \
        tessera jwt sign --key key.json --alg RS256 --claims claims.json --typ at+jwt")]
    Sign(JwtSignArgs),
    /// Verify a JWT's signature and claims; print the verified claims as JSON.
    ///
    /// On failure, one line on stderr says what failed (signature, expiry, issuer, audience,
    /// type, a missing claim) and the exit status is 1.
    #[command(after_help = "Examples:\n  \
        tessera jwt verify --key key.json --alg ES256 --aud api \"$TOKEN\"\n  \
        tessera jwt verify --jwks-url https://login.example.com/jwks --alg RS256 \\\n      \
        --iss https://login.example.com --aud api --require sub -")]
    Verify(JwtVerifyArgs),
    /// Print a JWT's header and claims WITHOUT verifying it (a warning goes to stderr).
    Decode {
        /// The JWT, or a file holding it (`-` for stdin).
        #[arg(value_name = "TOKEN|-", default_value = "-", hide_default_value = true)]
        token: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct JwtSignArgs {
    /// The private JWK to sign with (or a JWK Set holding exactly one key, or a PEM key).
    #[arg(long, value_name = "FILE")]
    pub key: String,
    /// The algorithm. Defaults to the key's "alg", or the only one an EC or Ed25519 key fits.
    #[arg(long, value_name = "ALG")]
    pub alg: Option<String>,
    /// The claims: a JSON object inline, a file, or `-` for stdin.
    #[arg(long, value_name = "JSON|FILE|-")]
    pub claims: String,
    /// The header "typ" (default JWT), e.g. at+jwt for an RFC 9068 access token.
    #[arg(long, value_name = "T")]
    pub typ: Option<String>,
    /// The header "kid" (default: the key's "kid").
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    /// Set "exp" to now + SECS. Without it (and without "exp" in --claims) the token never
    /// expires, which a warning on stderr points out: `jwt verify` requires "exp" by default.
    #[arg(long, value_name = "SECS")]
    pub expires_in: Option<u64>,
    /// Do not add "iat" (added as now when the claims have none).
    #[arg(long)]
    pub no_iat: bool,
    /// The time to use as now, in Unix seconds (default: the system clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub now: Option<u64>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("keys").required(true).args(["key", "jwks_url"])))]
pub(crate) struct JwtVerifyArgs {
    /// The verification key: a JWK, a JWK Set (the token's "kid" selects the key) or a PEM key.
    /// One key without a "kid" of its own is used whatever the token's "kid".
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// Fetch the verification keys from this JWK Set URL (https, or http on a loopback host).
    #[arg(long, value_name = "URL")]
    pub jwks_url: Option<String>,
    /// The algorithms to accept, comma-separated (e.g. RS256,ES256).
    #[arg(long, value_name = "ALG[,ALG...]")]
    pub alg: String,
    /// The accepted issuer (exact match); repeat to accept several.
    #[arg(long, value_name = "ISS")]
    pub iss: Vec<String>,
    /// The accepted audience; repeat to accept several. Required unless
    /// --insecure-skip-audience.
    #[arg(long, value_name = "AUD")]
    pub aud: Vec<String>,
    /// Accept any audience (or none). Only for tokens whose audience truly does not matter.
    #[arg(long, conflicts_with = "aud")]
    pub insecure_skip_audience: bool,
    /// The accepted header "typ" (e.g. at+jwt); repeat to accept several.
    #[arg(long, value_name = "T")]
    pub typ: Vec<String>,
    /// Seconds of clock skew allowed for exp, nbf and iat (default 30).
    #[arg(long, value_name = "SECS")]
    pub leeway: Option<u64>,
    /// The largest age of the token in seconds, counted from "iat" (which is then required).
    #[arg(long, value_name = "SECS")]
    pub max_age: Option<u64>,
    /// A claim that must be present; repeat for several ("exp" is always required unless
    /// --insecure-allow-missing-exp).
    #[arg(long, value_name = "CLAIM")]
    pub require: Vec<String>,
    /// Accept a token without "exp" (a token that never expires).
    #[arg(long)]
    pub insecure_allow_missing_exp: bool,
    /// The time to verify at, in Unix seconds (default: the system clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub now: Option<u64>,
    /// The JWT, or a file holding it (default `-`: read from stdin).
    #[arg(value_name = "TOKEN|-", default_value = "-", hide_default_value = true)]
    pub token: String,
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Args)]
pub(crate) struct PkceArgs {
    /// The verifier's length in characters (43 to 128; 43 carries 256 bits of entropy).
    #[arg(long, value_name = "CHARS", default_value_t = 43,
          value_parser = clap::value_parser!(u16).range(43..=128))]
    pub length: u16,
}

// ---------------------------------------------------------------------------------------------

/// The walk-through's options.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Also write the keys, JWK Set, tokens and PKCE pair to DIR (created if missing), to replay
    /// with the other commands.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
