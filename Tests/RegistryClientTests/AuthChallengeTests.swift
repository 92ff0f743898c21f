import Testing
@testable import RegistryClient

@Suite struct AuthChallengeTests {
    @Test func dockerHubStyleBearer() throws {
        let challenges = AuthChallenge.parse([#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#])
        let bearer = try #require(challenges.first)
        #expect(challenges.count == 1)
        #expect(bearer.isBearer)
        #expect(bearer.parameter("realm") == "https://auth.docker.io/token")
        #expect(bearer.parameter("service") == "registry.docker.io")
        #expect(bearer.scopes() == ["repository:library/nginx:pull"])
    }

    @Test func severalChallengesInOneHeaderAndAcrossHeaders() {
        let challenges = AuthChallenge.parse([
            #"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
            #"Bearer realm="https://t.example/token""#,
        ])
        #expect(challenges.map(\.scheme) == ["Newauth", "Basic", "Bearer"])
        #expect(challenges[0].parameter("title") == #"Login to "apps""#)
        #expect(challenges[0].parameter("type") == "1")
        #expect(challenges[1].parameter("realm") == "simple")
    }

    @Test func quotedStringsWithEscapesAndCommas() {
        let challenges = AuthChallenge.parse([#"Bearer realm="https://x/token?a=1,b=2", service="a\\b\"c""#])
        #expect(challenges.count == 1)
        #expect(challenges[0].parameter("realm") == "https://x/token?a=1,b=2")
        #expect(challenges[0].parameter("service") == #"a\b"c"#)
    }

    @Test func serviceIsOptionalAndScopesRepeatAndSplitOnSpaces() {
        let challenges = AuthChallenge.parse([#"bearer REALM="https://r/t", scope="repository:a:pull", scope="repository:b:pull repository:c:pull""#])
        #expect(challenges[0].isBearer)
        #expect(challenges[0].parameter("service") == nil)
        #expect(challenges[0].parameter("realm") == "https://r/t")
        #expect(challenges[0].scopes() == ["repository:a:pull", "repository:b:pull", "repository:c:pull"])
    }

    @Test func insufficientScopeError() {
        let challenges = AuthChallenge.parse([#"Bearer realm="https://r/t",service="s",scope="repository:a:pull,push",error="insufficient_scope""#])
        #expect(challenges[0].parameter("error") == "insufficient_scope")
        #expect(challenges[0].scopes() == ["repository:a:pull,push"])
    }

    @Test func token68AndBareSchemes() {
        let challenges = AuthChallenge.parse(["Negotiate abc123==, Basic realm=simple, Digest"])
        #expect(challenges.map(\.scheme) == ["Negotiate", "Basic", "Digest"])
        #expect(challenges[0].token68 == "abc123==")
        #expect(challenges[1].parameter("realm") == "simple")
    }

    @Test(arguments: ["", "   ", ",,,", #"Bearer realm="unterminated"#])
    func malformedInputNeverCrashes(header: String) {
        let challenges = AuthChallenge.parse([header])
        #expect(challenges.count <= 1)
    }
}
