import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

// Not named `cometApi`: CometAPI's own n8n package uses that name and the two would clash.
export class CometApiKlingApi implements ICredentialType {
	name = 'cometApiKlingApi';

	displayName = 'CometAPI (Kling) API';

	icon: Icon = {
		light: 'file:../nodes/KlingCometApi/kling.svg',
		dark: 'file:../nodes/KlingCometApi/kling.dark.svg',
	};

	documentationUrl = 'https://api.cometapi.com/doc';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'sk-...',
			description: 'Your CometAPI key, from the CometAPI console',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.cometapi.com',
			description:
				'Change only to go through a proxy or to test against a local simulator. The key is sent to this address only. No user name, password, query or fragment: the node refuses such a URL.',
		},
		{
			displayName: 'Balance Query URL',
			name: 'balanceUrl',
			type: 'string',
			default: 'https://query.cometapi.com',
			description:
				"CometAPI's free balance service, used only by Account → Get Balance and Options → Minimum Balance; it takes the key in the query string. Change only for a proxy or a local simulator. No user name, password, query or fragment.",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// Listing models is free: a credential test must never create a billable task.
	test: ICredentialTestRequest = {
		request: {
			// A Base URL with user info, a query or a fragment is refused (the node refuses it too):
			// the test then fails on a host whose name says why.
			baseURL:
				'={{ /^[A-Za-z][A-Za-z0-9+.-]*:\\/\\/[^\\/?#]*@|[?#]/.test(($credentials.baseUrl || "").trim()) ? "https://base-url-must-not-contain-user-password-query-or-fragment.invalid" : ($credentials.baseUrl || "https://api.cometapi.com").trim().replace(/\\/+$/, "") }}',
			url: '/v1/models',
			method: 'GET',
		},
		// Without rules n8n shows only the HTTP status text ("Unauthorized").
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'CometAPI rejected the API key: copy it again from your CometAPI console' },
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: 'CometAPI refused this API key (HTTP 403): it may be disabled or lack access',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'Nothing answers /v1/models at this Base URL: it should be https://api.cometapi.com',
				},
			},
		],
	};
}
