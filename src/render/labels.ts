// Interface text in the site's language. zh-CN is the default; `language: en` in
// site.yaml switches every label.
import type { Language } from '../config.ts';

export interface Labels {
  related: string;
  mostRead: string;
  trending: string;
  headlines: string;
  recommended: string;
  latest: string;
  home: string;
  skipToContent: string;
  published: string;
  updated: string;
  authors: string;
  source: string;
  category: string;
  tags: string;
  tickers: string;
  contents: string;
  previousPage: string;
  nextPage: string;
  pageOf: (page: number, total: number) => string;
  pagination: string;
  notFoundTitle: string;
  notFoundText: string;
  backHome: string;
  redirecting: string;
  latestArticles: string;
  rankingLists: string;
  noArticles: string;
}

const LABELS: Record<Language, Labels> = {
  'zh-CN': {
    related: '您可能也感兴趣',
    mostRead: '排行',
    trending: '今日热点',
    headlines: '今日要闻',
    recommended: '为您推荐',
    latest: '最新',
    home: '首页',
    skipToContent: '跳到正文',
    published: '发布',
    updated: '更新',
    authors: '作者',
    source: '来源',
    category: '栏目',
    tags: '标签',
    tickers: '相关证券',
    contents: '目录',
    previousPage: '上一页',
    nextPage: '下一页',
    pageOf: (page, total) => `第 ${page} 页，共 ${total} 页`,
    pagination: '分页',
    notFoundTitle: '页面不存在',
    notFoundText: '您访问的页面不存在或已被移除。',
    backHome: '返回首页',
    redirecting: '页面已迁移，正在跳转：',
    latestArticles: '最新文章',
    rankingLists: '排行榜',
    noArticles: '暂无文章。',
  },
  en: {
    related: 'You may also like',
    mostRead: 'Most read',
    trending: 'Trending',
    headlines: "Today's headlines",
    recommended: 'Recommended',
    latest: 'Latest',
    home: 'Home',
    skipToContent: 'Skip to content',
    published: 'Published',
    updated: 'Updated',
    authors: 'By',
    source: 'Source',
    category: 'Section',
    tags: 'Tags',
    tickers: 'Tickers',
    contents: 'Contents',
    previousPage: 'Previous',
    nextPage: 'Next',
    pageOf: (page, total) => `Page ${page} of ${total}`,
    pagination: 'Pagination',
    notFoundTitle: 'Page not found',
    notFoundText: 'The page you asked for does not exist or has been removed.',
    backHome: 'Back to the home page',
    redirecting: 'This page has moved to',
    latestArticles: 'Latest articles',
    rankingLists: 'Rankings',
    noArticles: 'No articles yet.',
  },
};

export function labelsFor(language: Language): Labels {
  return LABELS[language];
}
