/**
 * Application permissions whose holder can take over the tenant or read and write its data at
 * scale. Two tiers:
 * - `control-plane`: the holder can grant itself (or anyone) more access, or take over
 *   accounts: a path to Global Administrator;
 * - `data`: tenant-wide access to mail, files, sites or chats, without a signed-in user.
 * Names are matched exactly; they are the same on every resource that defines them, so
 * Exchange Online's `Mail.Send` counts as Graph's does.
 */

/** A high-risk tier. */
export type RiskTier = 'control-plane' | 'data';

/** Why a permission is high-risk. */
export interface HighRisk {
  tier: RiskTier;
  why: string;
}

/** The table, by permission name. */
export const HIGH_RISK_PERMISSIONS: Readonly<Record<string, HighRisk>> = {
  'RoleManagement.ReadWrite.Directory': {
    tier: 'control-plane',
    why: 'assigns any directory role, Global Administrator included',
  },
  'AppRoleAssignment.ReadWrite.All': {
    tier: 'control-plane',
    why: 'grants any application permission to any app, itself included',
  },
  'Application.ReadWrite.All': {
    tier: 'control-plane',
    why: 'adds credentials to any app and then acts with its permissions',
  },
  'Directory.ReadWrite.All': {
    tier: 'control-plane',
    why: 'writes most directory objects: users, groups, apps',
  },
  'DelegatedPermissionGrant.ReadWrite.All': {
    tier: 'control-plane',
    why: 'grants any delegated permission to any app for every user',
  },
  'User.ReadWrite.All': {
    tier: 'control-plane',
    why: 'changes any user, including sign-in names and account state',
  },
  'User-PasswordProfile.ReadWrite.All': {
    tier: 'control-plane',
    why: 'resets user passwords',
  },
  'UserAuthenticationMethod.ReadWrite.All': {
    tier: 'control-plane',
    why: "adds sign-in methods to any user's account",
  },
  'Group.ReadWrite.All': {
    tier: 'control-plane',
    why: 'changes any group and its members, and the access the groups grant',
  },
  'GroupMember.ReadWrite.All': {
    tier: 'control-plane',
    why: 'adds anyone to any group, and so to the access the group grants',
  },
  'Policy.ReadWrite.ConditionalAccess': {
    tier: 'control-plane',
    why: 'weakens or disables Conditional Access policies',
  },
  'Policy.ReadWrite.AuthenticationMethod': {
    tier: 'control-plane',
    why: 'changes which sign-in methods the tenant accepts',
  },
  'Domain.ReadWrite.All': {
    tier: 'control-plane',
    why: 'adds or federates domains, which lets an outside issuer sign users in',
  },
  'AgentIdentityBlueprint.AddRemoveCreds.All': {
    tier: 'control-plane',
    why: 'adds credentials to agent blueprints and so acts as every agent made from them',
  },
  'Mail.ReadWrite': { tier: 'data', why: 'reads and changes mail in every mailbox' },
  'Mail.Read': { tier: 'data', why: 'reads mail in every mailbox' },
  'Mail.Send': { tier: 'data', why: 'sends mail as any user' },
  'MailboxSettings.ReadWrite': {
    tier: 'data',
    why: 'sets mailbox rules and forwarding for every user',
  },
  full_access_as_app: {
    tier: 'data',
    why: 'full access to every mailbox through Exchange Web Services',
  },
  'Files.ReadWrite.All': {
    tier: 'data',
    why: 'reads and writes every file in OneDrive and SharePoint',
  },
  'Files.Read.All': { tier: 'data', why: 'reads every file in OneDrive and SharePoint' },
  'Sites.ReadWrite.All': { tier: 'data', why: 'reads and writes every SharePoint site' },
  'Sites.Manage.All': {
    tier: 'data',
    why: 'creates and deletes lists and libraries on every site',
  },
  'Sites.FullControl.All': {
    tier: 'data',
    why: 'full control of every SharePoint site, permissions included',
  },
  'Chat.Read.All': { tier: 'data', why: 'reads every Teams chat message' },
  'Chat.ReadWrite.All': { tier: 'data', why: 'reads and writes every Teams chat' },
  'ChannelMessage.Read.All': { tier: 'data', why: 'reads every Teams channel message' },
  'Calendars.ReadWrite': { tier: 'data', why: 'reads and changes every calendar' },
};

/** The risk of a permission, or undefined when it is not in the table. */
export function highRiskOf(permission: string): HighRisk | undefined {
  return Object.hasOwn(HIGH_RISK_PERMISSIONS, permission)
    ? HIGH_RISK_PERMISSIONS[permission]
    : undefined;
}
